export type { InputLocation, QuarantineEntry, QuarantineSink } from './errors.js';
export {
  ConfigError,
  EtlError,
  errorMessage,
  InputError,
  MemoryQuarantine,
  SchemaError,
  TooManyErrorsError,
} from './errors.js';
export {
  escapePartitionValue,
  HIVE_DEFAULT_PARTITION,
  parsePartitionPath,
  partitionSegment,
  unescapePartitionValue,
} from './hive.js';
export { LOCAL_UPLOADS_DIR, LocalObjectStorage } from './local-object-storage.js';
export type { LogFields, Logger, LogLevel } from './logger.js';
export { filterLogger, LOG_LEVELS, MemoryLogger, silentLogger } from './logger.js';
export type {
  ObjectStorage,
  ObjectUpload,
  PendingUpload,
  SealedUpload,
  StoredObject,
} from './object-storage.js';
export { checkObjectKey, isObjectStorageUrl, parseS3Url } from './object-storage.js';
export type { Plugin, PluginDefinition, ProcessorFactory, ProcessorFactoryContext } from './plugin.js';
export { definePlugin, isPlugin, PLUGIN_API_VERSION, ProcessorRegistry } from './plugin.js';
export type { Processor } from './processor.js';
export { mapProcessor, ProcessorChain } from './processor.js';
export type { Reader, Row, SourceRecord } from './reader.js';
export type { ColumnType, Field, FieldOptions, Schema, TimeUnit } from './schema.js';
export {
  checkRow,
  checkValue,
  col,
  defineSchema,
  describeType,
  extendSchema,
  getField,
  NESTED_TYPES,
  selectFields,
} from './schema.js';
export type {
  Source,
  SourceChainContext,
  SourceDataset,
  SourceDatasetSettings,
  SourceDefinition,
  SourceLineParser,
  SourceParserContext,
  SourceSideDataset,
} from './source.js';
export { defineSource, isSource, SOURCE_API_VERSION, sideDatasetSchema } from './source.js';
export type { OptionSpec, OptionSpecs } from './source-options.js';
export { option, optionDefaults, parseOptions } from './source-options.js';
export type { Stats } from './stats.js';
export { emptyStats, StatsCollector, sumStats } from './stats.js';
export {
  civilFromDays,
  convertTimeUnit,
  dateKeyFromDay,
  dayFromDateKey,
  daysFromCivil,
  epochDay,
  formatTimestampNs,
  parseTimestampNs,
  parseTimestampNsOrReason,
  TimestampError,
  utcDateKey,
  utcHourKey,
} from './time.js';
export type { WriteResult, Writer, WriteSession, WriteTarget, WrittenFile } from './writer.js';
