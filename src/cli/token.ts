import { M2MClient } from '../client/client.js';
import {
  flagOption,
  integerOption,
  listOption,
  type OptionSpecs,
  type ParsedArgs,
  stringOption,
} from './args.js';
import { CONNECTION_OPTIONS, type Credentials } from './credentials.js';

export const TOKEN_OPTIONS: OptionSpecs = {
  ...CONNECTION_OPTIONS,
  scope: { type: 'string', multiple: true },
  audience: { type: 'string', multiple: true },
  resource: { type: 'string' },
  json: { type: 'boolean' },
};

/** `passflow-m2m token`: the access token alone, or the whole response with --json. */
export async function tokenCommand(parsed: ParsedArgs, credentials: Credentials): Promise<string> {
  const m2m = new M2MClient({ ...credentials, ...tuning(parsed) });
  const resource = stringOption(parsed, 'resource');
  const token = await m2m.getToken({
    scopes: listOption(parsed, 'scope'),
    audience: listOption(parsed, 'audience'),
    ...(resource !== undefined && { resource }),
  });
  return flagOption(parsed, 'json') ? JSON.stringify(token, null, 2) : token.access_token;
}

/** --timeout and --retries, when given. */
export function tuning(parsed: ParsedArgs): { timeout?: number; retries?: number } {
  const timeout = integerOption(parsed, 'timeout', 1);
  const retries = integerOption(parsed, 'retries', 0);
  return { ...(timeout !== undefined && { timeout }), ...(retries !== undefined && { retries }) };
}
