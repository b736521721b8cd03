import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("forecast_contributions");
