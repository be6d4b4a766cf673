import { MAX_TIMER_MS } from './config.js';
import { holdToken } from './lifetime.js';
import type { TokenRequest } from './request.js';
import type { M2MTokenResponse } from './types.js';

/** After a failed background renewal, the next try waits this long (or half the remaining lifetime). */
export const RENEWAL_RETRY_MS = 5000;

/** When a flight was asked for: the clear generation then, and its number among the client's flights. */
export type FlightOrder = { readonly generation: number; readonly flight: number };

/** A token the store holds, with its local deadlines in epoch milliseconds. Changed only by the store. */
export type HeldToken = {
  readonly request: TokenRequest;
  readonly token: M2MTokenResponse;
  readonly expiresAt: number;
  /** From here on the token is renewed ahead of time (autoRefresh); equals expiresAt otherwise. */
  readonly refreshAt: number;
  /** The number of the flight that got it: a later flight's token is never replaced by an earlier one's. */
  readonly flight: number;
};

/** The store's own view of a held token. */
type Entry = {
  -readonly [Field in keyof HeldToken]: HeldToken[Field];
} & {
  /** Whether a caller was served the token since it was stored: idle tokens are not renewed. */
  used: boolean;
  /** The token as a settled promise, so a cache hit returns without allocating or awaiting. */
  readonly settled: Promise<M2MTokenResponse>;
  /** The timer that renews the token in the background (autoRefresh), while one is scheduled. */
  renewal: ReturnType<typeof setTimeout> | undefined;
};

export type StoreSettings = { readonly autoRefresh: boolean; readonly refreshThreshold: number };

/**
 * The tokens a client holds in memory, one per request key, and what keeps them in step: the default
 * request's entry (read by the hot path without a lookup), the last token stored, the clear generation
 * (results of flights asked for before a clear are not kept), the order of flights (a slow, older
 * flight never replaces a newer token) and the renewal timers. Knows nothing of HTTP or the shared cache.
 */
export class TokenStore {
  readonly #settings: StoreSettings;
  readonly #defaultKey: string;
  readonly #onRenewalDue: (held: HeldToken) => void;
  #default: Entry | undefined;
  /** Tokens of requests other than the default one; created on first use, as most clients have none. */
  #others: Map<string, Entry> | undefined;
  #last: M2MTokenResponse | null = null;
  #generation = 0;
  #flights = 0;

  /** `onRenewalDue` is told when a used token's renewal time has come (autoRefresh). */
  constructor(settings: StoreSettings, defaultKey: string, onRenewalDue: (held: HeldToken) => void) {
    this.#settings = settings;
    this.#defaultKey = defaultKey;
    this.#onRenewalDue = onRenewalDue;
  }

  /** The default token, as a settled promise, while it is not due for renewal; marks it used. */
  freshDefault(): Promise<M2MTokenResponse> | undefined {
    const held = this.#default;
    if (held === undefined || Date.now() >= held.refreshAt) return undefined;
    held.used = true;
    return held.settled;
  }

  get(requestKey: string): HeldToken | undefined {
    return this.#entry(requestKey);
  }

  /** Serves `held` to a caller: it counts as used, so its renewal is worth making. */
  use(held: HeldToken): M2MTokenResponse {
    (held as Entry).used = true;
    return held.token;
  }

  /** The last token stored, or null after a clear. */
  get last(): M2MTokenResponse | null {
    return this.#last;
  }

  /** Every held token, the default one first. */
  entries(): HeldToken[] {
    const entries: HeldToken[] = this.#default ? [this.#default] : [];
    if (this.#others) entries.push(...this.#others.values());
    return entries;
  }

  /** The order of a flight asked for now. */
  order(): FlightOrder {
    return { generation: this.#generation, flight: ++this.#flights };
  }

  /** Whether the store was not cleared since the flight was asked for. */
  isCurrent(order: FlightOrder): boolean {
    return order.generation === this.#generation;
  }

  /**
   * Holds a token a flight obtained and schedules its renewal, unless the store was cleared since the
   * flight was asked for or a flight asked for later already stored its token.
   */
  keep(request: TokenRequest, token: M2MTokenResponse, order: FlightOrder): HeldToken {
    const { autoRefresh, refreshThreshold } = this.#settings;
    const { expiresAt, refreshAt } = holdToken(token, autoRefresh, refreshThreshold);
    const held: Entry = {
      request,
      token,
      expiresAt,
      refreshAt,
      flight: order.flight,
      used: false,
      settled: Promise.resolve(token),
      renewal: undefined,
    };
    if (!this.isCurrent(order)) return held;
    const current = this.#entry(request.key);
    if (current && current.flight > order.flight) return held;
    clearTimeout(current?.renewal);
    if (request.key === this.#defaultKey) {
      this.#default = held;
    } else {
      this.#others ??= new Map();
      this.#others.set(request.key, held);
    }
    this.#last = token;
    if (autoRefresh) this.#scheduleRenewal(held);
    return held;
  }

  /**
   * Drops `held` with its renewal timer; false when another token replaced it meanwhile (a renewal
   * during its revocation), which stays.
   */
  forget(held: HeldToken): boolean {
    const { key } = held.request;
    if (this.#entry(key) !== held) return false;
    clearTimeout((held as Entry).renewal);
    if (key === this.#defaultKey) this.#default = undefined;
    else this.#others?.delete(key);
    if (this.#last === held.token) this.#last = null;
    return true;
  }

  /** Forgets every token and stops the renewals; flights asked for until now are no longer kept. */
  clear(): void {
    this.#generation++;
    for (const held of this.entries()) clearTimeout((held as Entry).renewal);
    this.#default = undefined;
    this.#others = undefined;
    this.#last = null;
  }

  /**
   * A background renewal of `held` failed while it is still valid: keep serving it and try again
   * later, but never past its expiry.
   */
  renewalFailed(held: HeldToken): void {
    const entry = held as Entry;
    const now = Date.now();
    entry.refreshAt = now + Math.min(RENEWAL_RETRY_MS, Math.max(0, (entry.expiresAt - now) / 2));
    if (this.#entry(held.request.key) === entry) this.#scheduleRenewal(entry);
  }

  #entry(requestKey: string): Entry | undefined {
    return requestKey === this.#defaultKey ? this.#default : this.#others?.get(requestKey);
  }

  /** A timer that renews a token callers use, at its jittered renewal time. Unref'd. */
  #scheduleRenewal(held: Entry): void {
    clearTimeout(held.renewal);
    held.renewal = setTimeout(
      () => {
        held.renewal = undefined;
        if (this.#entry(held.request.key) !== held) return;
        if (Date.now() < held.refreshAt) this.#scheduleRenewal(held);
        else if (held.used) this.#onRenewalDue(held);
      },
      Math.min(Math.max(0, held.refreshAt - Date.now()), MAX_TIMER_MS),
    );
    held.renewal.unref?.();
  }
}
