import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("data_quality");
