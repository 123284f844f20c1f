export type { RedisTestServer, RedisTestServerOptions } from './redis-server.js';
export { startRedisServer } from './redis-server.js';
