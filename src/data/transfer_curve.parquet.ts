import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("transfer_curve");
