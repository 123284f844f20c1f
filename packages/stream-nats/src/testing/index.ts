export type { NatsTestServer, StartNatsServerOptions } from './nats-server.js';
export { NATS_INSTALL_HINT, startNatsServer } from './nats-server.js';
