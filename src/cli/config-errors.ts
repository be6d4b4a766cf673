import type { ParsedArgs } from './args.js';

/** What the user typed for each client configuration field: the option, or the environment variable. */
export function configSources(parsed: ParsedArgs): Record<string, string> {
  return {
    url: parsed.values.has('url') ? '--url' : 'PASSFLOW_URL',
    clientId: parsed.values.has('client-id') ? '--client-id' : 'M2M_CLIENT_ID',
    scopes: '--scope',
    audience: '--audience',
    resource: '--resource',
    timeout: '--timeout',
    retries: '--retries',
    authMethod: '--auth-method',
    clientSecret: parsed.values.has('client-secret-file') ? '--client-secret-file' : 'M2M_CLIENT_SECRET',
    privateKey: parsed.values.has('private-key-file') ? '--private-key-file' : 'M2M_PRIVATE_KEY_FILE',
    privateKeyId: parsed.values.has('private-key-id') ? '--private-key-id' : 'M2M_PRIVATE_KEY_ID',
  };
}

/** `M2MClientConfig.<field>` or `M2MClientConfig.<field>[<index>]` at the start of a configuration error. */
const FIELD = /^M2MClientConfig\.(\w+)(?:\[\d+\])?\s+/;

/**
 * A configuration error of the SDK in the terms of the command line: the option or environment
 * variable the value came from in place of the SDK's field name, and the CLI's opt-out flag in place
 * of the SDK option.
 */
export function cliConfigMessage(message: string, sources: Record<string, string>): string {
  const match = FIELD.exec(message);
  const source = match?.[1] === undefined ? undefined : sources[match[1]];
  const named =
    match && source
      ? `${source} ${message.slice(match[0].length)}`
      : message.replace(/^M2MClientConfig\.?/, 'configuration ');
  return named.replace('allowInsecureHttp: true', '--allow-insecure-http');
}
