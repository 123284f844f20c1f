// `@etl/core/internal`: small helpers shared by the toolkit's own packages. Not part of the
// plugin or user API: names here may change in any release.

export type { ConsoleLoggerOptions, LogFormat } from './console-logger.js';
export { ConsoleLogger } from './console-logger.js';
export { isRecord } from './records.js';
export { sleep } from './sleep.js';
export { temporaryPathFor, temporarySuffix } from './temporary-names.js';
