import { M2MErrorCode } from '../client/errors.js';

/** Exit status of `passflow-m2m`: one per OAuth error code, so scripts can branch on the cause. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
} as const;

export const EXIT_FOR_CODE: Readonly<Record<M2MErrorCode, number>> = {
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

/** The exit status table, as printed by `--help` and documented in the README. */
export function exitCodeTable(): string {
  const rows: [number, string][] = [
    [EXIT.ok, 'success'],
    [EXIT.unexpected, 'unexpected failure'],
    [EXIT.usage, 'usage or configuration error (bad option, missing credentials, unreadable secret file)'],
    ...Object.entries(EXIT_FOR_CODE).map(([code, status]): [number, string] => [status, code]),
  ];
  return rows.map(([status, meaning]) => `  ${String(status).padStart(2)}  ${meaning}`).join('\n');
}
