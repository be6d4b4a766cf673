// Shared setup of the integration tests: a fresh loopback token server per test and clients bound to it.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, vi } from 'vitest';
import { M2MClient, type M2MClientConfig, M2MError } from '../../src/index.js';
import { type Step, startTokenServer, type TokenServer } from '../support/token-server.js';

export const SECRET = 'test-secret-value-4f2a9c';

export type Harness = {
  server: TokenServer;
  /** A client of the current server with small retry delays; `config` overrides any field. */
  client: (config?: Partial<M2MClientConfig>) => M2MClient;
};

/** Starts a token server before each test of the calling file and closes it after. */
export function useTokenServer(): Harness {
  const harness = {} as Harness;
  beforeEach(async () => {
    const server = await startTokenServer();
    harness.server = server;
    harness.client = (config = {}) =>
      new M2MClient({
        url: server.url,
        clientId: 'svc',
        clientSecret: SECRET,
        retryDelay: 1,
        timeout: 2000,
        ...config,
      });
  });
  afterEach(async () => {
    await harness.server.close();
  });
  return harness;
}

/**
 * Waits until the server has recorded `count` requests, by turns of the event loop rather than by
 * timers, so it works while timers are faked. Bounded: fails after `maxTurns`.
 */
export async function untilRequests(server: TokenServer, count: number, maxTurns = 500_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (server.requests.length >= count) return;
    await nextTurn();
  }
  throw new Error(`expected ${count} requests, the server saw ${server.requests.length}`);
}

/**
 * Waits until `condition()` holds, by turns of the event loop (works while timers are faked). Bounded:
 * the bound is in turns, generous enough for loopback I/O on a loaded machine.
 */
export async function until(condition: () => boolean, what: string, maxTurns = 500_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Lets pending I/O callbacks and microtasks run (a few turns of the event loop). */
export async function settle(turns = 20): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await nextTurn();
}

/** The rejection of `promise`, asserted to be an M2MError. */
export async function rejectionOf(promise: Promise<unknown>): Promise<M2MError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof M2MError) return error;
    throw new Error(`expected an M2MError, got ${String(error)}`);
  }
  throw new Error('expected a rejection, the promise resolved');
}

/**
 * Answers the requests in turn with `steps` (then `after`) and records the clock (fake or real) at
 * each request, so tests can check the delays between attempts.
 */
export function scriptWithStamps(server: TokenServer, steps: Step[], after: Step = {}): number[] {
  const stamps: number[] = [];
  server.setDefault(() => {
    stamps.push(Date.now());
    return steps[stamps.length - 1] ?? after;
  });
  return stamps;
}

/** Spies on setTimeout (real or faked): `seen` gets the delay, the extra arguments and the timer of each call. */
export function watchTimeouts(seen: (delay: number, rest: unknown[], timer: NodeJS.Timeout) => void): void {
  const original = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    callback: () => void,
    delay?: number,
    ...rest: unknown[]
  ) => {
    const timer = original(callback, delay, ...rest) as unknown as NodeJS.Timeout;
    seen(delay ?? 0, rest, timer);
    return timer;
  }) as typeof setTimeout);
}
