// One hive partition of the snapshot (a table's rows for one site and UTC year): see loaders/partitions.ts.
import {parseArgs} from "node:util";
import {emitPartition} from "../../../../../loaders/partitions.ts";

const {values} = parseArgs({options: {table: {type: "string"}, site: {type: "string"}, year: {type: "string"}}});
await emitPartition(values.table ?? "", values.site ?? "", Number(values.year));
