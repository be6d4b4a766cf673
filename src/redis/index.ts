export type { IORedisLike, NodeRedisLike, RedisClientLike } from './clients.js';
export { createRedisTokenCache, type RedisTokenCacheOptions } from './token-cache.js';
