import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("anomalies");
