export type { ColumnRange } from './parquet-file.js';
export type { ParquetFileInfo, ParquetReaderOptions } from './parquet-reader.js';
export { ParquetReader } from './parquet-reader.js';
export type { PartitionPredicate, PartitionRange, PartitionValue } from './partition-filter.js';
export type { PartitionType } from './partition-values.js';
export type { MissingColumns } from './row-layout.js';
