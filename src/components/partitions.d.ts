export interface PartitionFile {
  site_id: string;
  year: number;
  rows: number;
  bytes: number;
  min_ts: string;
  max_ts: string;
  path: string;
}
export interface PartitionManifest {
  created_at?: string;
  partitions?: Record<string, {by: string[]; files: PartitionFile[]}>;
}
export function partitionPath(table: string, siteId: string, year: number): string;
export function partitionsFor(manifest: PartitionManifest | null | undefined, table: string, siteId: string, from?: Date | number | null, to?: Date | number | null): (PartitionFile & {url: string})[];
export function loadPartitions(FileAttachment: unknown, manifest: PartitionManifest, table: string, siteId: string, from?: Date | number | null, to?: Date | number | null): Promise<unknown>;
export function allRows(table: {numRows: number} | null): number[];
