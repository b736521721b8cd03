import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("backtest_windows");
