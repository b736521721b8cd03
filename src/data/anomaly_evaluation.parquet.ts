import {emitTable} from "../../loaders/snapshotTable.ts";

await emitTable("anomaly_evaluation");
