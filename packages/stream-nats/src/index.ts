export type { NatsConnection } from '@nats-io/transport-node';
export type { ConsumerStart } from './consumer-setup.js';
export type { JetStreamPublisherOptions } from './jetstream-publisher.js';
export { JetStreamPublisher } from './jetstream-publisher.js';
export type { JetStreamDecode, JetStreamReaderOptions } from './jetstream-reader.js';
export { JetStreamReader } from './jetstream-reader.js';
export type { MarketDataStreamInfo, MarketDataStreamOptions } from './market-data-stream.js';
export { ensureMarketDataStream } from './market-data-stream.js';
export type { NatsConnectOptions } from './nats-connection.js';
export { connectNats } from './nats-connection.js';
export type { RowPublisherOptions } from './row-publisher.js';
export { RowPublisher } from './row-publisher.js';
export {
  DEFAULT_FEATURES_PREFIX,
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  marketDataSubject,
} from './subjects.js';
