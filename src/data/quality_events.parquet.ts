import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("quality_events");
