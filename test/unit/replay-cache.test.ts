import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReplayCache } from '../../src/verify/replay-cache.js';

afterEach(() => vi.useRealTimers());

describe('the DPoP replay cache', () => {
  it('refuses an id seen before until it expires, then forgets it', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = createReplayCache(10);
    const expiresAt = Date.now() + 1000;
    expect(cache.remember('a', expiresAt)).toBe(true);
    expect(cache.remember('a', expiresAt)).toBe(false);
    vi.setSystemTime(expiresAt);
    expect(cache.remember('b', Date.now() + 1000)).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.remember('a', Date.now() + 1000)).toBe(true);
  });

  it('never holds more than its capacity: the oldest id goes first', () => {
    const cache = createReplayCache(3);
    const later = Date.now() + 60_000;
    for (const id of ['a', 'b', 'c', 'd']) expect(cache.remember(id, later)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.remember('d', later)).toBe(false);
    expect(cache.remember('b', later)).toBe(false);
    expect(cache.remember('a', later)).toBe(true);
    for (let i = 0; i < 10_000; i++) cache.remember(`id-${i}`, later);
    expect(cache.size).toBe(3);
  });
});
