import { readFile } from 'node:fs/promises';
import type { ClientAuthMethod } from '../client/types.js';
import { type OptionSpecs, type ParsedArgs, stringOption, UsageError } from './args.js';

export const CONNECTION_OPTIONS: OptionSpecs = {
  url: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'auth-method': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
};

export type Credentials = {
  url: string;
  clientId: string;
  clientSecret: string;
  authMethod: ClientAuthMethod;
};

/**
 * The server and client credentials: options first, then PASSFLOW_URL, M2M_CLIENT_ID and
 * M2M_CLIENT_SECRET or M2M_CLIENT_SECRET_FILE. The secret comes only from the environment or a file.
 */
export async function loadCredentials(parsed: ParsedArgs, env: NodeJS.ProcessEnv): Promise<Credentials> {
  const url = stringOption(parsed, 'url') ?? nonEmpty(env.PASSFLOW_URL);
  if (!url) throw new UsageError('no server URL: set PASSFLOW_URL or pass --url <url>');
  const clientId = stringOption(parsed, 'client-id') ?? nonEmpty(env.M2M_CLIENT_ID);
  if (!clientId) throw new UsageError('no client id: set M2M_CLIENT_ID or pass --client-id <id>');
  return { url, clientId, clientSecret: await loadSecret(parsed, env), authMethod: authMethodOf(parsed) };
}

async function loadSecret(parsed: ParsedArgs, env: NodeJS.ProcessEnv): Promise<string> {
  const fromFlag = stringOption(parsed, 'client-secret-file');
  if (fromFlag) return readSecretFile(fromFlag, '--client-secret-file');
  const inline = nonEmpty(env.M2M_CLIENT_SECRET);
  const file = nonEmpty(env.M2M_CLIENT_SECRET_FILE);
  if (inline && file) {
    throw new UsageError('both M2M_CLIENT_SECRET and M2M_CLIENT_SECRET_FILE are set: set only one');
  }
  if (file) return readSecretFile(file, 'M2M_CLIENT_SECRET_FILE');
  if (inline) return inline;
  throw new UsageError(
    'no client secret: set M2M_CLIENT_SECRET or M2M_CLIENT_SECRET_FILE, or pass --client-secret-file <path>',
  );
}

async function readSecretFile(path: string, source: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot read the client secret file named by ${source} (${String(code ?? error)})`);
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  const secret = content.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`the client secret file named by ${source} is empty`);
  return secret;
}

function authMethodOf(parsed: ParsedArgs): ClientAuthMethod {
  const method = stringOption(parsed, 'auth-method') ?? 'post';
  if (method === 'post' || method === 'client_secret_post') return 'client_secret_post';
  if (method === 'basic' || method === 'client_secret_basic') return 'client_secret_basic';
  throw new UsageError('--auth-method must be post or basic');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
