export type { CheckReport } from './check-report.js';
export type {
  ConformanceCheck,
  ConformanceFailure,
  ConformanceOptions,
  ConformanceReport,
} from './processor-conformance.js';
export { CONFORMANCE_CHECKS, checkProcessorConformance } from './processor-conformance.js';
export type { SideOutput } from './processor-context.js';
export type {
  ReaderCheck,
  ReaderConformanceOptions,
  ReaderConformanceReport,
  ReaderInput,
} from './reader-conformance.js';
export {
  checkReaderConformance,
  READER_CHECKS,
  READER_SAMPLE_RECORDS,
  READER_SAMPLE_SCHEMA,
} from './reader-conformance.js';
export { sampleSchemaOf } from './sample-schema.js';
export type {
  StorageCheck,
  StorageConformanceOptions,
  StorageConformanceReport,
} from './storage-conformance.js';
export { checkStorageConformance, STORAGE_CHECKS } from './storage-conformance.js';
export type { WriterCheck, WriterConformanceOptions, WriterConformanceReport } from './writer-conformance.js';
export {
  checkWriterConformance,
  HOSTILE_PARTITION_VALUES,
  WRITER_CHECKS,
  WRITER_SAMPLE_SCHEMA,
} from './writer-conformance.js';
