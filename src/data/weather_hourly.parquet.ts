import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("weather_hourly");
