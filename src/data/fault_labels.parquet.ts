import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("fault_labels");
