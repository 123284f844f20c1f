export type { Compression } from './byte-stream.js';
export { compressionOf } from './byte-stream.js';
export type { ByteRange } from './ndjson-reader.js';
export { NDJSONReader } from './ndjson-reader.js';
export type { LineParser, NDJSONDecodeMode, NDJSONReaderOptions } from './options.js';
export { DEFAULT_BATCH_SIZE, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_LINE_BYTES } from './options.js';
export type { LineRejectKind } from './raw-line.js';
export { JsonLineDecoder, RawLine, rawLineText } from './raw-line.js';
