import { decodeTokenClaims } from '../client/claims.js';
import { flagOption, type OptionSpecs, type ParsedArgs } from './args.js';
import { describeExpiry } from './duration.js';

export const INSPECT_OPTIONS: OptionSpecs = { json: { type: 'boolean' } };

/** The rows `inspect` prints first, in this order, under these names. */
const NAMED: readonly [claim: string, label: string][] = [
  ['iss', 'issuer'],
  ['sub', 'subject'],
  ['client_id', 'client_id'],
  ['type', 'type'],
  ['aud', 'audience'],
  ['scopes', 'scopes'],
  ['tenant_id', 'tenant_id'],
];
/** Claims shown otherwise (exp, iat) or through `scopes`. */
const NOT_LISTED = new Set(['exp', 'iat', 'scope', 'scp', ...NAMED.map(([claim]) => claim)]);

/**
 * `passflow-m2m inspect`: the claims a token holds (RFC 9068 normalised, none made up) and the expiry
 * in human terms. A token without a claim RFC 9068 requires is shown all the same: this is where one
 * finds out what it lacks.
 */
export function inspectCommand(parsed: ParsedArgs, token: string, now = Date.now()): string {
  const claims = decodeTokenClaims(token);
  if (flagOption(parsed, 'json')) return JSON.stringify(claims, null, 2);
  const { exp, iat } = claims;
  const rows: [string, string][] = [
    ['expiry', describeExpiry(typeof exp === 'number' ? exp : undefined, now)],
    ...NAMED.map(([claim, label]): [string, string] => [label, show(claims[claim])]),
    ['issued_at', typeof iat === 'number' ? new Date(iat * 1000).toISOString() : show(iat)],
    ...Object.entries(claims)
      .filter(([name]) => !NOT_LISTED.has(name))
      .map(([name, value]): [string, string] => [name, show(value)]),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name.padEnd(width)}  ${value}`)
    .join('\n');
}

/** A claim as one line: a string as it is, a list of strings space-separated, anything else as JSON. */
function show(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(' ');
  return JSON.stringify(value);
}
