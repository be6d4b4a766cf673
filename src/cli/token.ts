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
  'allow-insecure-http': { type: 'boolean' },
};

/**
 * `passflow-m2m token`: the access token alone, or the whole response with --json. What is requested
 * goes into the client's configuration, so that a bad value is a configuration error naming its option.
 */
export async function tokenCommand(parsed: ParsedArgs, credentials: Credentials): Promise<string> {
  const resource = stringOption(parsed, 'resource');
  const m2m = new M2MClient({
    ...credentials,
    ...tuning(parsed),
    scopes: listOption(parsed, 'scope'),
    audience: listOption(parsed, 'audience'),
    ...(resource !== undefined && { resource }),
  });
  const token = await m2m.getToken();
  return flagOption(parsed, 'json') ? JSON.stringify(token, null, 2) : token.access_token;
}

/** --timeout, --retries and --allow-insecure-http, when given. */
export function tuning(parsed: ParsedArgs): { timeout?: number; retries?: number; allowInsecureHttp?: true } {
  const timeout = integerOption(parsed, 'timeout', 1);
  const retries = integerOption(parsed, 'retries', 0);
  return {
    ...(timeout !== undefined && { timeout }),
    ...(retries !== undefined && { retries }),
    ...(flagOption(parsed, 'allow-insecure-http') && { allowInsecureHttp: true }),
  };
}
