import { parseTokenClaims } from '../client/claims.js';
import type { M2MTokenClaims } from '../client/types.js';
import { flagOption, type OptionSpecs, type ParsedArgs } from './args.js';
import { describeExpiry } from './duration.js';

export const INSPECT_OPTIONS: OptionSpecs = { json: { type: 'boolean' } };

/** `passflow-m2m inspect`: the decoded claims (RFC 9068 normalised) and the expiry in human terms. */
export function inspectCommand(parsed: ParsedArgs, token: string, now = Date.now()): string {
  const claims = parseTokenClaims(token);
  if (flagOption(parsed, 'json')) return JSON.stringify(claims, null, 2);
  const { iss, sub, aud, iat, exp, client_id, tenant_id, scopes, type, ...rest } = claims;
  const rows: [string, string][] = [
    ['expiry', describeExpiry(exp, now)],
    ['issuer', iss],
    ['subject', sub],
    ['client_id', client_id],
    ['type', String(type ?? '')],
    ['audience', aud.join(' ')],
    ['scopes', scopes.join(' ')],
    ...(tenant_id === undefined ? [] : [['tenant_id', String(tenant_id)] as [string, string]]),
    ['issued_at', iat ? new Date(iat * 1000).toISOString() : ''],
    ...otherClaims(rest),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name.padEnd(width)}  ${value}`)
    .join('\n');
}

function otherClaims(rest: Partial<M2MTokenClaims>): [string, string][] {
  const skipped = new Set(['scope', 'scp']);
  return Object.entries(rest)
    .filter(([name]) => !skipped.has(name))
    .map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
}
