import { fail, requireString } from './config-error.js';
import {
  type AssertionSigningAlgorithm,
  HMAC_ALGORITHMS,
  SigningKeyError,
  signingAlgorithmFor,
} from './signing-key.js';
import type { ClientAuthMethod, M2MClientConfig } from './types.js';

/** How the JWT methods make their assertions, checked. */
export type AssertionSettings = {
  /** The JWS algorithm. */
  readonly algorithm: AssertionSigningAlgorithm;
  /** The `aud`: the token endpoint URL, or the server's URL. */
  readonly audience: string;
  /** The JWS `kid` header, when configured. */
  readonly keyId: string | undefined;
};

/** How the client authenticates, checked; holds no secret and no key (client authentication keeps them). */
export type AuthSettings = {
  readonly authMethod: ClientAuthMethod;
  /** For `private_key_jwt` and `client_secret_jwt` only. */
  readonly assertion: AssertionSettings | undefined;
};

const METHODS: readonly ClientAuthMethod[] = [
  'client_secret_post',
  'client_secret_basic',
  'private_key_jwt',
  'client_secret_jwt',
];
const JWT_METHODS: readonly ClientAuthMethod[] = ['private_key_jwt', 'client_secret_jwt'];

/**
 * Checks the client authentication fields together: the method, the secret or key it needs and
 * nothing it does not use, and the assertion options. A private key is checked as far as it can be
 * without importing it (its type, curve, size and algorithm); importing happens on first use.
 * Messages name the field and never quote a secret or key, even one given in the wrong field.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export function checkClientAuth(config: M2MClientConfig, baseUrl: string): AuthSettings {
  const authMethod = config.authMethod ?? 'client_secret_post';
  if (!METHODS.includes(authMethod)) fail('authMethod', `must be one of ${METHODS.map(quote).join(', ')}`);
  const jwt = JWT_METHODS.includes(authMethod);
  if (authMethod === 'private_key_jwt') {
    if (config.clientSecret !== undefined)
      fail('clientSecret', `is not used with ${quote(authMethod)}: leave it out`);
    if (config.privateKey === undefined) fail('privateKey', `is required with ${quote(authMethod)}`);
  } else {
    checkSecret(config.clientSecret);
    if (config.privateKey !== undefined) onlyFor('privateKey', ['private_key_jwt']);
  }
  for (const field of ['signingAlgorithm', 'assertionAudience'] as const) {
    if (config[field] !== undefined && !jwt) onlyFor(field, JWT_METHODS);
  }
  if (config.privateKeyId !== undefined && authMethod !== 'private_key_jwt')
    onlyFor('privateKeyId', ['private_key_jwt']);
  if (config.privateKeyId !== undefined) requireString(config.privateKeyId, 'privateKeyId');
  const audience = config.assertionAudience ?? 'token_endpoint';
  if (audience !== 'token_endpoint' && audience !== 'issuer') {
    fail('assertionAudience', "must be 'token_endpoint' or 'issuer'");
  }
  if (!jwt) return { authMethod, assertion: undefined };
  return {
    authMethod,
    assertion: {
      algorithm: algorithmOf(config, authMethod),
      audience: audience === 'issuer' ? baseUrl : `${baseUrl}/oauth2/token`,
      keyId: config.privateKeyId,
    },
  };
}

function checkSecret(secret: unknown): void {
  if (typeof secret === 'function') return;
  if (typeof secret !== 'string' || secret.trim() === '') {
    fail('clientSecret', 'must be a non-empty string or a function that returns one');
  }
}

function algorithmOf(config: M2MClientConfig, method: ClientAuthMethod): AssertionSigningAlgorithm {
  const requested: unknown = config.signingAlgorithm;
  if (requested !== undefined && typeof requested !== 'string') fail('signingAlgorithm', 'must be a string');
  if (method === 'client_secret_jwt') {
    if (requested === undefined) return 'HS256';
    if (!HMAC_ALGORITHMS.includes(requested as AssertionSigningAlgorithm)) {
      fail('signingAlgorithm', `must be one of ${HMAC_ALGORITHMS.join(', ')} with 'client_secret_jwt'`);
    }
    return requested as AssertionSigningAlgorithm;
  }
  try {
    return signingAlgorithmFor(config.privateKey, requested);
  } catch (error) {
    if (!(error instanceof SigningKeyError)) throw error;
    fail(
      requested !== undefined && /^cannot sign with/.test(error.message) ? 'signingAlgorithm' : 'privateKey',
      error.message,
    );
  }
}

function onlyFor(field: string, methods: readonly ClientAuthMethod[]): never {
  fail(field, `is used only with authMethod ${methods.map(quote).join(' or ')}`);
}

function quote(method: string): string {
  return `'${method}'`;
}
