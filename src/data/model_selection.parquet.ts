import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("model_selection");
