import {emitManifest} from "../../loaders/snapshotTable.ts";

await emitManifest();
