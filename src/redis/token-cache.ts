import type { M2MCacheLockRelease, M2MTokenCache, M2MTokenResponse } from '../client/types.js';
import { commandsOf, type RedisClientLike } from './clients.js';

/** Options of {@link createRedisTokenCache}. */
export type RedisTokenCacheOptions = {
  /**
   * Prepended to every key (default: none). The client's keys already start with `passflow:m2m:`; a
   * prefix separates environments or applications sharing one Redis. Must not contain `{` or `}`.
   */
  prefix?: string;
};

/**
 * An `M2MTokenCache` in Redis, shared by every process that uses the same Redis and credentials, with the
 * lock that lets one of them fetch a token while the others wait for it. Takes your own connected
 * ioredis (`Redis` or `Cluster`) or node-redis (v4+) client; this package imports neither.
 *
 * A token is stored at `{prefix}{{key}}` and its lock at `{prefix}{{key}}:lock`: the braces are a Redis
 * Cluster hash tag, so both live in one slot. Keys are hashes, never secrets.
 *
 * The cache's methods reject when Redis fails or its connection is down (at once, not after the
 * offline queue); the client counts that as a miss and tells `onCacheError`.
 *
 * @example
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const m2m = new M2MClient({ ...credentials, cache: createRedisTokenCache(redis, { prefix: 'orders:' }) });
 * ```
 * @throws `TypeError` when `redis` is neither an ioredis nor a node-redis client, or `prefix` is not a
 *   string without `{` and `}`.
 */
export function createRedisTokenCache(
  redis: RedisClientLike,
  options: RedisTokenCacheOptions = {},
): M2MTokenCache {
  const commands = commandsOf(redis);
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw new TypeError('createRedisTokenCache: `prefix` must be a string without `{` or `}`');
  const tokenKey = (key: string) => `${prefix}{${key}}`;

  return {
    async get(key) {
      const stored = await commands.get(tokenKey(key));
      return stored === null ? null : (JSON.parse(stored) as M2MTokenResponse);
    },
    async set(key, token, ttlSeconds) {
      await commands.set(tokenKey(key), JSON.stringify(token), millis(ttlSeconds), false);
    },
    async delete(key) {
      await commands.del(tokenKey(key));
    },
    /**
     * `SET lock owner NX PX ttl`; the release deletes the lock, and `extend` renews its TTL, only while
     * this owner still holds it.
     */
    async lock(key, ttlMs) {
      const lockKey = `${tokenKey(key)}:lock`;
      const owner = crypto.randomUUID();
      const taken = await commands.set(lockKey, owner, lockMillis(ttlMs), true);
      if (!taken) return null;
      const release: M2MCacheLockRelease = () => commands.deleteIfEquals(lockKey, owner);
      release.extend = (ttl) => commands.expireIfEquals(lockKey, owner, lockMillis(ttl));
      return release;
    },
  };
}

function lockMillis(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/** Redis refuses a zero or negative expiry; such a token is due anyway, so it lives for a millisecond. */
function millis(seconds: number): number {
  return Number.isFinite(seconds) ? Math.max(1, Math.round(seconds * 1000)) : 1;
}
