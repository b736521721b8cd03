import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("production_hourly");
