export type {
  ConformanceCheck,
  ConformanceFailure,
  ConformanceOptions,
  ConformanceReport,
} from './processor-conformance.js';
export { CONFORMANCE_CHECKS, checkProcessorConformance } from './processor-conformance.js';
export { sampleSchemaOf } from './sample-schema.js';
