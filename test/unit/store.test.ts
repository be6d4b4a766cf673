// The token store: held tokens by request, the default entry, the last token, clear generations,
// flight order and renewal timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultRequest, requestFor, type TokenRequest } from '../../src/client/request.js';
import { type HeldToken, RENEWAL_RETRY_MS, TokenStore } from '../../src/client/store.js';
import type { M2MTokenResponse } from '../../src/index.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const plain: TokenRequest = defaultRequest({ scopes: [], audience: [], resource: undefined } as never);
const other: TokenRequest = requestFor({ scopes: ['orders:read'] }, plain);

function token(name: string, expiresIn = 600): M2MTokenResponse {
  return {
    access_token: name,
    token_type: 'Bearer',
    expires_in: expiresIn,
    issued_at: Math.floor(Date.now() / 1000),
  };
}

function store(autoRefresh = false, refreshThreshold = 60_000) {
  const due: HeldToken[] = [];
  const tokens = new TokenStore({ autoRefresh, refreshThreshold }, plain.key, (held) => due.push(held));
  return { tokens, due };
}

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('store: held tokens', () => {
  it('holds a token per request, the default one on the hot path, with its local deadlines', () => {
    const { tokens } = store();
    expect(tokens.freshDefault()).toBeUndefined();
    const held = tokens.keep(plain, token('a'), tokens.order());
    tokens.keep(other, token('b'), tokens.order());
    expect(held).toMatchObject({ request: plain, expiresAt: NOW + 600_000, refreshAt: NOW + 600_000 });
    expect(tokens.get(plain.key)?.token.access_token).toBe('a');
    expect(tokens.get(other.key)?.token.access_token).toBe('b');
    expect(tokens.entries().map((entry) => entry.token.access_token)).toEqual(['a', 'b']);
    expect(tokens.last?.access_token).toBe('b');
  });

  it('serves the default token as one settled promise until it is due, then no longer', async () => {
    const { tokens } = store();
    tokens.keep(plain, token('a', 600), tokens.order());
    const first = tokens.freshDefault();
    expect(first).toBe(tokens.freshDefault());
    expect((await first)?.access_token).toBe('a');
    vi.setSystemTime(NOW + 600_000);
    expect(tokens.freshDefault()).toBeUndefined();
  });

  it('never lets an earlier flight replace the token of a later one', () => {
    const { tokens } = store();
    const earlier = tokens.order();
    const later = tokens.order();
    tokens.keep(plain, token('later'), later);
    const kept = tokens.keep(plain, token('earlier'), earlier);
    expect(kept.token.access_token).toBe('earlier');
    expect(tokens.get(plain.key)?.token.access_token).toBe('later');
    expect(tokens.last?.access_token).toBe('later');
  });

  it('after a clear, forgets every token and keeps none of a flight asked for before it', () => {
    const { tokens } = store();
    tokens.keep(plain, token('a'), tokens.order());
    tokens.keep(other, token('b'), tokens.order());
    const before = tokens.order();
    tokens.clear();
    expect(tokens.isCurrent(before)).toBe(false);
    expect(tokens.entries()).toEqual([]);
    expect(tokens.last).toBeNull();
    expect(tokens.freshDefault()).toBeUndefined();
    tokens.keep(plain, token('stale'), before);
    expect(tokens.get(plain.key)).toBeUndefined();
    const after = tokens.order();
    expect(tokens.isCurrent(after)).toBe(true);
    tokens.keep(plain, token('fresh'), after);
    expect(tokens.last?.access_token).toBe('fresh');
  });

  it('forgets a token only while it is the one held: a replacement stays', () => {
    const { tokens } = store();
    const first = tokens.keep(other, token('first'), tokens.order());
    tokens.keep(other, token('second'), tokens.order());
    expect(tokens.forget(first)).toBe(false);
    expect(tokens.get(other.key)?.token.access_token).toBe('second');
    const second = tokens.get(other.key) as HeldToken;
    expect(tokens.forget(second)).toBe(true);
    expect(tokens.get(other.key)).toBeUndefined();
    expect(tokens.last).toBeNull();
  });

  it('keeps the last token when a different one is forgotten', () => {
    const { tokens } = store();
    const a = tokens.keep(plain, token('a'), tokens.order());
    tokens.keep(other, token('b'), tokens.order());
    expect(tokens.forget(a)).toBe(true);
    expect(tokens.last?.access_token).toBe('b');
    expect(tokens.freshDefault()).toBeUndefined();
  });
});

describe('store: renewal timers (autoRefresh)', () => {
  it('tells its owner when a used token is due, not an idle one', () => {
    const { tokens, due } = store(true, 60_000);
    const used = tokens.keep(plain, token('used'), tokens.order());
    tokens.keep(other, token('idle'), tokens.order());
    expect(used.refreshAt).toBe(NOW + 540_000);
    tokens.use(used);
    vi.advanceTimersByTime(539_999);
    expect(due).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(due).toEqual([used]);
    vi.advanceTimersByTime(600_000);
    expect(due).toHaveLength(1);
  });

  it('stops the timers of tokens cleared, forgotten or replaced', () => {
    const { tokens, due } = store(true, 60_000);
    const cleared = tokens.keep(plain, token('cleared'), tokens.order());
    tokens.use(cleared);
    tokens.clear();
    const forgotten = tokens.keep(other, token('forgotten'), tokens.order());
    tokens.use(forgotten);
    tokens.forget(forgotten);
    const replaced = tokens.keep(plain, token('replaced'), tokens.order());
    tokens.use(replaced);
    tokens.keep(plain, token('current'), tokens.order());
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(600_000);
    expect(due.map((held) => held.token.access_token)).toEqual([]);
  });

  it('after a failed renewal, keeps the token and tries again in 5 s, or half its remaining life', () => {
    const { tokens, due } = store(true, 60_000);
    const held = tokens.keep(plain, token('a'), tokens.order());
    tokens.use(held);
    vi.advanceTimersByTime(540_000);
    expect(due).toHaveLength(1);
    tokens.renewalFailed(held);
    expect(held.refreshAt).toBe(Date.now() + RENEWAL_RETRY_MS);
    vi.advanceTimersByTime(RENEWAL_RETRY_MS);
    expect(due).toHaveLength(2);
    vi.setSystemTime(NOW + 596_000);
    tokens.renewalFailed(held);
    expect(held.refreshAt).toBe(Date.now() + 2000);
  });

  it('unrefs its timers, so a held token never keeps the process alive', () => {
    vi.useRealTimers();
    const unref = vi.spyOn(setTimeout(() => {}, 0).constructor.prototype, 'unref');
    const { tokens } = store(true, 60_000);
    tokens.keep(plain, token('a'), tokens.order());
    expect(unref).toHaveBeenCalledTimes(1);
    tokens.clear();
  });
});
