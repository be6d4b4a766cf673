import pRetry from 'p-retry';
import { M2MError, M2MErrorCode } from './errors.js';
import type { RetryStrategy } from './types.js';

export type RetryPolicy = {
  /** Retries after the first attempt (3 means up to 4 attempts). */
  readonly retries: number;
  /** First backoff delay in ms; each later one doubles, with jitter. */
  readonly retryDelay: number;
  readonly strategy: RetryStrategy | undefined;
};

/** The longest wait the client accepts: a `Retry-After` beyond it fails at once instead. */
export const MAX_RETRY_WAIT_MS = 60_000;
/** The longest computed backoff between two attempts. */
export const MAX_BACKOFF_MS = 30_000;
/** A custom strategy decides when to stop; this bounds it all the same. */
export const MAX_STRATEGY_RETRIES = 20;

/** Retries after the first attempt the policy allows at most. */
export function maxRetries(policy: RetryPolicy): number {
  return policy.strategy ? MAX_STRATEGY_RETRIES : policy.retries;
}

/** The longest a run under `policy` may take: every attempt timing out, every wait at its cap. */
export function longestRunMs(policy: RetryPolicy, attemptTimeoutMs: number): number {
  const retries = maxRetries(policy);
  return (retries + 1) * attemptTimeoutMs + retries * MAX_RETRY_WAIT_MS;
}

const noFailedAttemptHook = () => {};
const everyRetryCounts = () => true;
const never = () => false;

/**
 * Runs `attempt` until it succeeds or the policy stops it, through p-retry. The policy decides per
 * failure: transient failures (network, timeout, 408, 429, 5xx) are retried after `Retry-After` when
 * the server sent one, otherwise after an exponential backoff with jitter; other failures are final.
 * A custom `RetryStrategy` replaces both the decision and the delay.
 */
export function withRetries<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  abandoned: () => boolean = never,
): Promise<T> {
  // Every option is given, p-retry's defaults too, in one literal: when p-retry has to fill some in,
  // a call costs about 10 µs (several percent of a loopback token request) instead of about one.
  return pRetry(attempt, {
    retries: maxRetries(policy),
    minTimeout: 0,
    factor: 2,
    maxTimeout: Number.POSITIVE_INFINITY,
    maxRetryTime: Number.POSITIVE_INFINITY,
    randomize: false,
    onFailedAttempt: noFailedAttemptHook,
    shouldConsumeRetry: everyRetryCounts,
    shouldRetry: async ({ error, retriesConsumed }) => {
      if (!(error instanceof M2MError)) return false;
      const delay = nextDelay(policy, error, retriesConsumed);
      if (delay === undefined) return false;
      if (delay > 0) await sleep(delay);
      if (abandoned()) throw abandonedError(error);
      return true;
    },
  }).catch((error: unknown) => {
    // Here, not in shouldRetry: p-retry does not ask it about the last attempt.
    throw (policy.strategy === undefined && beyondRetryAfterCap(error)) || error;
  });
}

/** Nobody is waiting for the result any more (the cache was cleared): no further attempt is made. */
function abandonedError(last: M2MError): M2MError {
  return new M2MError({
    code: M2MErrorCode.TemporarilyUnavailable,
    status: last.status,
    message: `${last.message} (not retried: clearCache() was called meanwhile)`,
    cause: last,
  });
}

/** Milliseconds to wait before retry number `retriesDone + 1`, or undefined to give up. */
export function nextDelay(policy: RetryPolicy, error: M2MError, retriesDone: number): number | undefined {
  if (policy.strategy) {
    if (!policy.strategy.shouldRetry(error, retriesDone)) return undefined;
    const delay = policy.strategy.getDelay(retriesDone);
    // Past the longest wait (Infinity too) it waits that long: a timer beyond its range would fire at once.
    return delay > 0 ? Math.min(delay, MAX_RETRY_WAIT_MS) : 0;
  }
  if (!error.transient) return undefined;
  const retryAfter = parseRetryAfter(error.headers?.['retry-after'], Date.now());
  if (retryAfter !== undefined) return retryAfter <= MAX_RETRY_WAIT_MS ? retryAfter : undefined;
  const base = Math.min(policy.retryDelay * 2 ** retriesDone, MAX_BACKOFF_MS);
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

/**
 * A transient failure whose `Retry-After` is longer than the client waits fails at once as
 * `rate_limit_exceeded`, whatever its status, so the caller sees why no retry came.
 */
function beyondRetryAfterCap(error: unknown): M2MError | undefined {
  if (!(error instanceof M2MError) || !error.transient) return undefined;
  const wait = parseRetryAfter(error.headers?.['retry-after'], Date.now());
  if (wait === undefined || wait <= MAX_RETRY_WAIT_MS) return undefined;
  return new M2MError({
    code: M2MErrorCode.RateLimitExceeded,
    status: error.status,
    message: `${error.message} (Retry-After of ${Math.ceil(wait / 1000)} s exceeds the ${MAX_RETRY_WAIT_MS / 1000} s limit)`,
    ...(error.headers !== undefined && { headers: error.headers }),
    ...(error.errorUri !== undefined && { errorUri: error.errorUri }),
    cause: error,
  });
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, in ms from `now`; undefined if absent or malformed. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would take "-1" or "1.5" as dates.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
