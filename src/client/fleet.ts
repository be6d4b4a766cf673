import type { SharedCache } from './shared-cache.js';
import type { M2MTokenResponse } from './types.js';

/** How often a process waiting on another's fetch looks for the token in the shared cache. */
export const PEER_POLL_MS = 50;

export type FleetSettings = {
  /**
   * The shared-cache key of a request key: a hash over the server, the credentials in use and the
   * request. Asked on every miss: rotated credentials give another key.
   */
  readonly keyOf: (requestKey: string) => Promise<string>;
  /** Until when (epoch ms) a token from the shared cache may be served: its renewal time. */
  readonly sharedUntil: (token: M2MTokenResponse) => number;
  /** How long a fetch lock lives unless its holder extends it. */
  readonly lockTtlMs: number;
  /** The longest one fetch may take with its retries: how long the others wait for the lock's holder. */
  readonly longestFetchMs: number;
};

/** One token from the authorization server. */
export type FetchToken = () => Promise<M2MTokenResponse>;

/**
 * The cross-process protocol over the shared cache: processes that share it make one token request
 * per key. A process reads the shared cache first; on a miss it takes the key's lock when the cache
 * has one, fetches and publishes the token, while the others wait for it to appear. Without a lock,
 * or when locking fails, each process fetches and publishes by itself. Knows nothing of HTTP or memory:
 * the fetch is a parameter, and `isCurrent` says whether the client was cleared since it began.
 */
export class Fleet {
  readonly #cache: SharedCache;
  readonly #settings: FleetSettings;
  /**
   * Every shared-cache key this client used, by request key, so that a clear can delete them all: more
   * than one per request once rotated credentials give it a new key.
   */
  readonly #used = new Map<string, Set<string>>();

  constructor(cache: SharedCache, settings: FleetSettings) {
    this.#cache = cache;
    this.#settings = settings;
  }

  /**
   * A token for `requestKey`: another process's from the shared cache when it has one not yet due
   * for renewal (a forced refresh takes only one issued after it began), otherwise `fetch()`'s,
   * published for the others unless `isCurrent()` turned false meanwhile.
   */
  async obtain(
    requestKey: string,
    force: boolean,
    fetch: FetchToken,
    isCurrent: () => boolean,
  ): Promise<M2MTokenResponse> {
    const key = await this.#keyOf(requestKey);
    if (!force) {
      const peer = await this.#usable(key);
      if (peer) return peer;
    }
    if (this.#cache.canLock) {
      const token = await this.#underLock(requestKey, key, force, fetch, isCurrent);
      if (token) return token;
    }
    return this.#fetchAndPublish(requestKey, fetch, isCurrent);
  }

  /** Deletes the shared token of `requestKey`. */
  forget(requestKey: string): void {
    for (const key of this.#used.get(requestKey) ?? []) void this.#cache.delete(key);
  }

  /** Deletes every shared token this client used, so that one a flight published just before goes too. */
  clear(): void {
    for (const keys of this.#used.values()) for (const key of keys) void this.#cache.delete(key);
  }

  /**
   * Cross-process single flight: the process that takes the lock fetches and publishes the token,
   * extending the lock while it retries when the cache can; the others poll the shared cache until
   * the token appears, or take the lock over once its holder has released it without a token or died
   * and let it lapse. Resolves to undefined when locking fails or the wait runs out, so the caller
   * fetches by itself.
   */
  async #underLock(
    requestKey: string,
    key: string,
    force: boolean,
    fetch: FetchToken,
    isCurrent: () => boolean,
  ): Promise<M2MTokenResponse | undefined> {
    const { lockTtlMs, longestFetchMs } = this.#settings;
    const startedAt = Date.now();
    // A holder keeps the lock while it retries: wait as long as its fetch may take, and for a dead
    // holder's lock to lapse.
    const waitUntil = startedAt + longestFetchMs + 2 * lockTtlMs;
    const acceptable = (token: M2MTokenResponse | null) =>
      token && (!force || (token.issued_at ?? 0) >= Math.floor(startedAt / 1000)) ? token : undefined;
    while (Date.now() < waitUntil) {
      const lock = await this.#cache.lock(key, lockTtlMs);
      if (lock === undefined) return undefined;
      if (lock) {
        const stopKeepAlive = lock.keepAlive(lockTtlMs);
        try {
          const peer = force ? undefined : await this.#usable(key);
          return peer ?? (await this.#fetchAndPublish(requestKey, fetch, isCurrent));
        } finally {
          stopKeepAlive();
          await lock.release();
        }
      }
      await sleep(PEER_POLL_MS * (0.5 + Math.random()));
      const peer = acceptable(await this.#usable(key));
      if (peer) return peer;
    }
    return undefined;
  }

  /**
   * Fetches and publishes under the key of the credentials in use once the token came: those that got
   * it, when the fetch recovered from a rotated secret.
   */
  async #fetchAndPublish(
    requestKey: string,
    fetch: FetchToken,
    isCurrent: () => boolean,
  ): Promise<M2MTokenResponse> {
    const token = await fetch();
    if (!isCurrent()) return token;
    // The token is had: credentials that cannot be read now cost its publication, not the token.
    const key = await this.#keyOf(requestKey).catch(() => undefined);
    if (key !== undefined) await this.#cache.set(key, token, this.#ttlSeconds(token));
    return token;
  }

  /** A token from the shared cache that is not yet due for renewal. */
  async #usable(key: string): Promise<M2MTokenResponse | null> {
    const token = await this.#cache.get(key);
    return token && Date.now() < this.#settings.sharedUntil(token) ? token : null;
  }

  /** Seconds a token stays in the shared cache: until it is due for renewal, at least 1. */
  #ttlSeconds(token: M2MTokenResponse): number {
    return Math.max(1, Math.floor((this.#settings.sharedUntil(token) - Date.now()) / 1000));
  }

  async #keyOf(requestKey: string): Promise<string> {
    const key = await this.#settings.keyOf(requestKey);
    let used = this.#used.get(requestKey);
    if (!used) {
      used = new Set();
      this.#used.set(requestKey, used);
    }
    used.add(key);
    return key;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
