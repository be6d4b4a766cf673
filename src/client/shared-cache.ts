import { checkStoredToken } from './stored-token.js';
import type { M2MCacheError, M2MTokenCache, M2MTokenResponse } from './types.js';

/** How long one operation of the shared cache may take before it counts as failed. */
export const CACHE_TIMEOUT_MS = 1000;

/** A fetch lock this process holds. */
export type HeldLock = {
  /** Keeps the lock alive (when the cache can extend it) until the returned function is called. */
  keepAlive(ttlMs: number): () => void;
  release(): Promise<void>;
};

/**
 * A user's `M2MTokenCache` made safe to depend on: every operation is bounded by a timeout, a failure
 * or a malformed or impossible token counts as a miss and is reported to `onError`, never thrown.
 */
export class SharedCache {
  readonly #cache: M2MTokenCache;
  readonly #onError: ((error: M2MCacheError) => void) | undefined;

  constructor(cache: M2MTokenCache, onError: ((error: M2MCacheError) => void) | undefined) {
    this.#cache = cache;
    this.#onError = onError;
  }

  get canLock(): boolean {
    return typeof this.#cache.lock === 'function';
  }

  async get(key: string): Promise<M2MTokenResponse | null> {
    const value = await this.#run('get', () => this.#cache.get(key), null);
    if (value === null || value === undefined) return null;
    const token = checkStoredToken(value, Date.now());
    if (typeof token === 'string') {
      this.#report('get', new Error(`cache returned ${token} for ${key}`));
      return null;
    }
    return token;
  }

  set(key: string, token: M2MTokenResponse, ttlSeconds: number): Promise<void> {
    return this.#run('set', () => this.#cache.set(key, token, ttlSeconds), undefined);
  }

  delete(key: string): Promise<void> {
    return this.#run('delete', () => this.#cache.delete(key), undefined);
  }

  /** The lock, `null` when another process holds it, or `undefined` when locking failed. */
  async lock(key: string, ttlMs: number): Promise<HeldLock | null | undefined> {
    const lock = this.#cache.lock;
    if (!lock) return undefined;
    const release = await this.#run('lock', () => lock.call(this.#cache, key, ttlMs), undefined);
    if (!release) return release;
    const { extend } = release;
    return {
      keepAlive: (ttl) => {
        if (!extend) return () => {};
        // Three chances per TTL, each bounded like any cache call, before the lock could lapse.
        const timer = setInterval(
          () => void this.#run('lock', () => extend.call(release, ttl), false),
          ttl / 3,
        );
        timer.unref?.();
        return () => clearInterval(timer);
      },
      // The release is bounded too: a hung release would hold back the token its holder just fetched.
      release: () => this.#run('lock', release, undefined),
    };
  }

  async #run<T, F>(
    operation: M2MCacheError['operation'],
    call: () => Promise<T>,
    fallback: F,
  ): Promise<T | F> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`cache ${operation} timed out after ${CACHE_TIMEOUT_MS} ms`)),
        CACHE_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (error) {
      this.#report(operation, error);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  #report(operation: M2MCacheError['operation'], error: unknown): void {
    try {
      this.#onError?.({ operation, error: error instanceof Error ? error : new Error(String(error)) });
    } catch {
      // A failing observer must not turn a cache miss into a failed token request.
    }
  }
}
