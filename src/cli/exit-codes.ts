import { M2MErrorCode } from '../client/errors.js';

/** Exit status of `passflow-m2m`: one per OAuth error code, so scripts can branch on the cause. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
} as const;

/** The DPoP errors (RFC 9449) never reach the command line: it sends no DPoP proof. */
export type CliErrorCode = Exclude<M2MErrorCode, M2MErrorCode.InvalidDpopProof | M2MErrorCode.UseDpopNonce>;

export const EXIT_FOR_CODE: Readonly<Record<CliErrorCode, number>> = {
  [M2MErrorCode.InvalidRequest]: 3,
  [M2MErrorCode.InvalidClient]: 4,
  [M2MErrorCode.InvalidGrant]: 5,
  [M2MErrorCode.InvalidScope]: 6,
  [M2MErrorCode.UnauthorizedClient]: 7,
  [M2MErrorCode.UnsupportedGrantType]: 8,
  [M2MErrorCode.RateLimitExceeded]: 9,
  [M2MErrorCode.ServerError]: 10,
  [M2MErrorCode.TemporarilyUnavailable]: 11,
  [M2MErrorCode.UnsupportedTokenType]: 12,
};

/** What an error code's exit status covers beyond the code itself. */
const NOTES: Partial<Record<M2MErrorCode, string>> = {
  [M2MErrorCode.InvalidRequest]: 'also: inspect of something not a JWT',
  [M2MErrorCode.TemporarilyUnavailable]: 'network failure, timeout, 503',
  [M2MErrorCode.UnsupportedTokenType]: 'revoke: the token stays valid until it expires',
};

/** Every exit status and its meaning, in order: what `--help` prints and the README's table shows. */
export function exitStatuses(): [number, string][] {
  return [
    [EXIT.ok, 'success'],
    [EXIT.unexpected, 'unexpected failure'],
    [EXIT.usage, 'usage or configuration error (bad option, missing credentials, unreadable secret file)'],
    ...Object.entries(EXIT_FOR_CODE).map(([code, status]): [number, string] => {
      const note = NOTES[code as M2MErrorCode];
      return [status, note ? `${code} (${note})` : code];
    }),
  ];
}

/** The exit status table, as printed by `--help`. */
export function exitCodeTable(): string {
  return exitStatuses()
    .map(([status, meaning]) => `  ${String(status).padStart(2)}  ${meaning}`)
    .join('\n');
}
