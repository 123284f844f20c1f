export type { ParquetCompression } from './compression.js';
export { DEFAULT_COMPRESSION } from './compression.js';
export type { HivePartition, HivePartitionerOptions } from './hive-partitioner.js';
export { HivePartitioner } from './hive-partitioner.js';
export { parquetElementFor, parquetSchemaFor } from './parquet-schema.js';
export type { ParquetWriterOptions } from './parquet-writer.js';
export {
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_ROWS_PER_FILE,
  DEFAULT_ROW_GROUP_SIZE,
  ParquetWriter,
} from './parquet-writer.js';
export { WRITER_ID } from './version.js';
