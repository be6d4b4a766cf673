import { readFile } from 'node:fs/promises';
import type { ClientAuthMethod, M2MClientConfig } from '../client/types.js';
import { type OptionSpecs, type ParsedArgs, stringOption, UsageError } from './args.js';

export const CONNECTION_OPTIONS: OptionSpecs = {
  url: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'auth-method': { type: 'string' },
  'private-key-file': { type: 'string' },
  'private-key-id': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
};

/** The server and how the client authenticates there: a secret, or a private key (PKCS#8 PEM). */
export type Credentials = Pick<
  M2MClientConfig,
  'url' | 'clientId' | 'authMethod' | 'clientSecret' | 'privateKey' | 'privateKeyId'
>;

/** The credentials, and the client secret as first read, for the last-resort masking of messages. */
export type LoadedCredentials = { credentials: Credentials; secret: string | undefined };

/** --auth-method values, in the spelling of the command line and of the OAuth registry. */
const METHODS: Record<string, ClientAuthMethod> = {
  post: 'client_secret_post',
  basic: 'client_secret_basic',
  'private-key-jwt': 'private_key_jwt',
  'client-secret-jwt': 'client_secret_jwt',
};

/**
 * The server and client credentials: options first, then PASSFLOW_URL, M2M_CLIENT_ID, M2M_AUTH_METHOD,
 * and M2M_CLIENT_SECRET or M2M_CLIENT_SECRET_FILE, or for private-key-jwt M2M_PRIVATE_KEY_FILE and
 * M2M_PRIVATE_KEY_ID. A secret or key comes only from the environment or a file, never an argument.
 */
export async function loadCredentials(
  parsed: ParsedArgs,
  env: NodeJS.ProcessEnv,
): Promise<LoadedCredentials> {
  const url = stringOption(parsed, 'url') ?? nonEmpty(env.PASSFLOW_URL);
  if (!url) throw new UsageError('no server URL: set PASSFLOW_URL or pass --url <url>');
  const clientId = stringOption(parsed, 'client-id') ?? nonEmpty(env.M2M_CLIENT_ID);
  if (!clientId) throw new UsageError('no client id: set M2M_CLIENT_ID or pass --client-id <id>');
  const authMethod = authMethodOf(parsed, env);
  const keyFile = stringOption(parsed, 'private-key-file');
  const keyId = stringOption(parsed, 'private-key-id') ?? nonEmpty(env.M2M_PRIVATE_KEY_ID);
  if (authMethod !== 'private_key_jwt') {
    if (keyFile || stringOption(parsed, 'private-key-id')) {
      throw new UsageError('--private-key-file and --private-key-id need --auth-method private-key-jwt');
    }
    const { clientSecret, secret } = await loadSecret(parsed, env);
    return { credentials: { url, clientId, authMethod, clientSecret }, secret };
  }
  const source = keyFile ? '--private-key-file' : 'M2M_PRIVATE_KEY_FILE';
  const path = keyFile ?? nonEmpty(env.M2M_PRIVATE_KEY_FILE);
  if (!path) {
    throw new UsageError(
      'no private key: set M2M_PRIVATE_KEY_FILE or pass --private-key-file <path> (a PKCS#8 PEM file)',
    );
  }
  const privateKey = await readCredentialFile(path, source, 'private key');
  return {
    credentials: { url, clientId, authMethod, privateKey, ...(keyId && { privateKeyId: keyId }) },
    secret: undefined,
  };
}

/**
 * The client secret, and what the client reads it with. A secret file is read here (so that a missing
 * or empty one is a usage error before anything is sent) and then again by the client's secret
 * provider when the server refuses the secret: a file rotated meanwhile is picked up.
 */
async function loadSecret(
  parsed: ParsedArgs,
  env: NodeJS.ProcessEnv,
): Promise<{ clientSecret: NonNullable<M2MClientConfig['clientSecret']>; secret: string }> {
  const fromFlag = stringOption(parsed, 'client-secret-file');
  const inline = nonEmpty(env.M2M_CLIENT_SECRET);
  const fromEnv = nonEmpty(env.M2M_CLIENT_SECRET_FILE);
  if (!fromFlag && inline && fromEnv) {
    throw new UsageError('both M2M_CLIENT_SECRET and M2M_CLIENT_SECRET_FILE are set: set only one');
  }
  const file = fromFlag ?? fromEnv;
  if (file) {
    const source = fromFlag ? '--client-secret-file' : 'M2M_CLIENT_SECRET_FILE';
    const read = () => readCredentialFile(file, source, 'client secret');
    let first: string | undefined = await read();
    const secret = first;
    const clientSecret = async () => {
      const value = first ?? (await read());
      first = undefined;
      return value;
    };
    return { clientSecret, secret };
  }
  if (inline) return { clientSecret: inline, secret: inline };
  throw new UsageError(
    'no client secret: set M2M_CLIENT_SECRET or M2M_CLIENT_SECRET_FILE, or pass --client-secret-file <path>',
  );
}

/** A secret or key file's content; the error names where the path came from, never the content. */
async function readCredentialFile(path: string, source: string, what: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot read the ${what} file named by ${source} (${String(code ?? error)})`);
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  const secret = content.replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new UsageError(`the ${what} file named by ${source} is empty`);
  return secret;
}

function authMethodOf(parsed: ParsedArgs, env: NodeJS.ProcessEnv): ClientAuthMethod {
  const method = stringOption(parsed, 'auth-method') ?? nonEmpty(env.M2M_AUTH_METHOD) ?? 'post';
  const known = METHODS[method] ?? Object.values(METHODS).find((name) => name === method);
  if (known) return known;
  throw new UsageError(`--auth-method must be ${Object.keys(METHODS).join(', ')}`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
