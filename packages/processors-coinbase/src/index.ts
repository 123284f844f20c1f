export type { AggressorMethod, AggressorSide } from './aggressor-classifier.js';
export type { TopOfBook } from './book-features.js';
export {
  depthBpsColumn,
  depthLevelsColumn,
  imbalanceL1,
  microprice,
  orderFlowImbalance,
} from './book-features.js';
export type { BookSnapshotOptions } from './book-snapshot-processor.js';
export { bookSnapshotChannel, bookSnapshotSchema } from './book-snapshot-processor.js';
export { coinbaseExchangeSource, coinbaseSource } from './coinbase-source.js';
export type { CrossedPolicy } from './crossed-book.js';
export type { ExchangeFeedParserOptions } from './exchange-feed-parser.js';
export { ExchangeFeedParser } from './exchange-feed-parser.js';
export type { BookCheckpoint, Level2Checkpoint } from './level2-checkpoint.js';
export type { Level2ProcessorOptions } from './level2-options.js';
export { Level2Processor } from './level2-processor.js';
export { AdvancedTradeLineScanner } from './line-scanner.js';
export { isDecimalString, parseDecimalOrNaN, parseEpochSecondsNs } from './number.js';
export type { BookLevels, BookSide, PriceLevel } from './order-book.js';
export { OrderBook } from './order-book.js';
export type { QualityKind } from './quality.js';
export { QUALITY_CHANNEL, qualityRow, qualitySchema } from './quality.js';
export type { RawParserOptions } from './raw-parser.js';
export { RawParser } from './raw-parser.js';
export type { CandleRow, ControlRow, Level2Row, MarketTradeRow, MessageFields, TickerRow } from './rows.js';
export { CONTROL_CHANNEL } from './rows.js';
export type { EncodedScannedFrames } from './scanned-frame-codec.js';
export { decodeScannedFrames, encodeScannedFrames, scannedFrameBuffers } from './scanned-frame-codec.js';
export type { ScannedLevel2Event, ScannedTime } from './scanned-frames.js';
export { ScannedLevel2Frame } from './scanned-frames.js';
export { candlesSchema, level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';
export type { SequenceCheck, SequenceTrackerState, SequenceVerdict } from './sequence-tracker.js';
export { SequenceTracker } from './sequence-tracker.js';
export type { TickerProcessorOptions } from './ticker-processor.js';
export { TickerProcessor } from './ticker-processor.js';
export type { BarInterval, TradeBarsCheckpoint, TradeBarsOptions } from './trade-bars-processor.js';
export { barIntervalMs, TradeBarsProcessor, tradeBarsSchema } from './trade-bars-processor.js';
export type { TradesCheckpoint, TradesProcessorOptions } from './trades-processor.js';
export { TradesProcessor } from './trades-processor.js';
