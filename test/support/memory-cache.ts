// An M2MTokenCache in memory with the optional fetch lock, for unit tests of the cross-process
// protocol without Redis: several "processes" share one instance. Locks lapse after their TTL like
// Redis keys with PX, and only their owner releases or extends them.
import type { M2MCacheLockRelease, M2MTokenCache, M2MTokenResponse } from '../../src/index.js';

export type MemoryCache = M2MTokenCache & {
  readonly tokens: Map<string, { token: M2MTokenResponse; ttlSeconds: number }>;
  /** Every successful lock taken, in order: the owner number and the key. */
  readonly lockLog: { owner: number; key: string }[];
  /** Whether `key`'s lock is held (and has not lapsed) now. */
  isLocked(key: string): boolean;
};

export function memoryCache({ extendable = true }: { extendable?: boolean } = {}): MemoryCache {
  const tokens = new Map<string, { token: M2MTokenResponse; ttlSeconds: number }>();
  const locks = new Map<string, { owner: number; until: number }>();
  const lockLog: { owner: number; key: string }[] = [];
  let owners = 0;
  const held = (key: string) => {
    const lock = locks.get(key);
    return lock && Date.now() < lock.until ? lock : undefined;
  };
  return {
    tokens,
    lockLog,
    isLocked: (key) => held(key) !== undefined,
    get: async (key) => tokens.get(key)?.token ?? null,
    set: async (key, token, ttlSeconds) => {
      tokens.set(key, { token, ttlSeconds });
    },
    delete: async (key) => {
      tokens.delete(key);
    },
    lock: async (key, ttlMs) => {
      if (held(key)) return null;
      const owner = ++owners;
      locks.set(key, { owner, until: Date.now() + ttlMs });
      lockLog.push({ owner, key });
      const release: M2MCacheLockRelease = async () => {
        if (held(key)?.owner === owner) locks.delete(key);
      };
      if (extendable) {
        release.extend = async (ttl) => {
          const lock = held(key);
          if (lock?.owner !== owner) return false;
          lock.until = Date.now() + ttl;
          return true;
        };
      }
      return release;
    },
  };
}
