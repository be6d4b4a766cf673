// The client authentication fields, checked together by the constructor: what each method needs, what
// it does not use, and messages that name the field without quoting a secret or a key.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { M2MClient, type M2MClientConfig, M2MConfigError } from '../../src/index.js';

const SECRET = 'unit-secret-value-7c1e';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const PEM_BODY = PEM.split('\n')[1] ?? '';
const base = { url: 'https://auth.example.test', clientId: 'svc' };

function refusal(config: Record<string, unknown>): string {
  try {
    new M2MClient({ ...base, ...config } as M2MClientConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(M2MConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(PEM_BODY.slice(0, 20));
    return message;
  }
  throw new Error('the constructor accepted the configuration');
}

describe('client authentication configuration', () => {
  it.each<[string, Partial<M2MClientConfig>]>([
    ['a secret (post by default)', { clientSecret: SECRET }],
    ['a secret provider', { clientSecret: async () => SECRET }],
    ['client_secret_basic', { clientSecret: SECRET, authMethod: 'client_secret_basic' }],
    [
      'client_secret_jwt',
      { clientSecret: () => SECRET, authMethod: 'client_secret_jwt', signingAlgorithm: 'HS384' },
    ],
    ['private_key_jwt with a PEM', { authMethod: 'private_key_jwt', privateKey: PEM, privateKeyId: 'k1' }],
    [
      'private_key_jwt, PS256, issuer audience',
      {
        authMethod: 'private_key_jwt',
        privateKey: rsa.privateKey,
        signingAlgorithm: 'PS256',
        assertionAudience: 'issuer',
      },
    ],
  ])('accepts %s', (_name, config) => {
    expect(() => new M2MClient({ ...base, ...config })).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no secret', {}, /^M2MClientConfig\.clientSecret must be a non-empty string or a function/],
    ['a blank secret', { clientSecret: '  ' }, /^M2MClientConfig\.clientSecret must be/],
    ['a secret that is a number', { clientSecret: 42 }, /^M2MClientConfig\.clientSecret must be/],
    [
      'an unknown method',
      { clientSecret: SECRET, authMethod: 'mtls' },
      /^M2MClientConfig\.authMethod must be one of/,
    ],
    [
      'private_key_jwt without a key',
      { authMethod: 'private_key_jwt' },
      /^M2MClientConfig\.privateKey is required/,
    ],
    [
      'private_key_jwt with a secret too',
      { authMethod: 'private_key_jwt', privateKey: PEM, clientSecret: SECRET },
      /^M2MClientConfig\.clientSecret is not used with 'private_key_jwt'/,
    ],
    [
      'a key with a secret method',
      { clientSecret: SECRET, privateKey: PEM },
      /^M2MClientConfig\.privateKey is used only/,
    ],
    [
      'a key id with client_secret_jwt',
      { clientSecret: SECRET, authMethod: 'client_secret_jwt', privateKeyId: 'k1' },
      /^M2MClientConfig\.privateKeyId is used only with authMethod 'private_key_jwt'/,
    ],
    [
      'an algorithm with post',
      { clientSecret: SECRET, signingAlgorithm: 'HS256' },
      /^M2MClientConfig\.signingAlgorithm is used only/,
    ],
    [
      'an audience option with basic',
      { clientSecret: SECRET, authMethod: 'client_secret_basic', assertionAudience: 'issuer' },
      /^M2MClientConfig\.assertionAudience is used only/,
    ],
    [
      'an unknown audience option',
      { authMethod: 'private_key_jwt', privateKey: PEM, assertionAudience: 'anywhere' },
      /^M2MClientConfig\.assertionAudience must be 'token_endpoint' or 'issuer'/,
    ],
    [
      'client_secret_jwt with RS256',
      { clientSecret: SECRET, authMethod: 'client_secret_jwt', signingAlgorithm: 'RS256' },
      /^M2MClientConfig\.signingAlgorithm must be one of HS256, HS384, HS512/,
    ],
    [
      'an RSA key with ES256',
      { authMethod: 'private_key_jwt', privateKey: PEM, signingAlgorithm: 'ES256' },
      /^M2MClientConfig\.signingAlgorithm cannot sign with ES256: the key signs with RS256, RS384/,
    ],
    [
      'the secret given as the algorithm',
      { authMethod: 'private_key_jwt', privateKey: PEM, signingAlgorithm: SECRET },
      /^M2MClientConfig\.signingAlgorithm cannot sign with an unknown algorithm/,
    ],
    [
      'the secret given as the key',
      { authMethod: 'private_key_jwt', privateKey: SECRET },
      /^M2MClientConfig\.privateKey is not a PEM document/,
    ],
    [
      'a public key',
      { authMethod: 'private_key_jwt', privateKey: rsa.publicKey.export({ format: 'pem', type: 'spki' }) },
      /^M2MClientConfig\.privateKey is a PUBLIC KEY PEM/,
    ],
    [
      'a blank key id',
      { authMethod: 'private_key_jwt', privateKey: PEM, privateKeyId: '' },
      /^M2MClientConfig\.privateKeyId must be a non-empty string/,
    ],
  ])('refuses %s, naming the field', (_name, config, message) => {
    expect(refusal(config)).toMatch(message);
  });
});
