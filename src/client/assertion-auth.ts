import type { AuthSettings } from './auth-config.js';
import { signClientAssertion } from './client-assertion.js';
import type { AddSecret, CallAuthentication, ClientAuthentication, FormRequest } from './client-auth.js';
import { M2MError, M2MErrorCode } from './errors.js';
import { type ImportedSigningKey, importSigningKey } from './key-import.js';
import type { AssertionSigningAlgorithm, PrivateKeyInput } from './signing-key.js';

type AssertionSettings = Pick<AuthSettings, 'assertionAudience' | 'privateKeyId'> & {
  readonly signingAlgorithm: AssertionSigningAlgorithm;
};

const encoder = new TextEncoder();

/**
 * client_secret_jwt: a new assertion for every attempt, HMAC (HS256 by default) with the client secret.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export function secretAssertion(clientId: string, settings: AuthSettings): AddSecret {
  return async ({ form }, secret) => {
    Object.assign(
      form,
      await signClientAssertion({
        clientId,
        audience: settings.assertionAudience,
        key: encoder.encode(secret),
        algorithm: settings.signingAlgorithm ?? 'HS256',
      }),
    );
  };
}

/**
 * private_key_jwt: no shared secret leaves the service; every attempt sends a new assertion signed with
 * the client's private key, imported once, on first use.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export class PrivateKeyJwt implements ClientAuthentication {
  readonly method = 'private_key_jwt' as const;
  readonly #clientId: string;
  readonly #input: PrivateKeyInput;
  readonly #settings: AssertionSettings;
  #imported: Promise<ImportedSigningKey> | undefined;

  constructor(clientId: string, privateKey: PrivateKeyInput, settings: AssertionSettings) {
    this.#clientId = clientId;
    this.#input = privateKey;
    this.#settings = settings;
  }

  async begin(): Promise<CallAuthentication> {
    const { key } = await this.#key();
    const { assertionAudience, signingAlgorithm, privateKeyId } = this.#settings;
    const clientId = this.#clientId;
    return {
      authenticate: async ({ form }: FormRequest) => {
        Object.assign(
          form,
          await signClientAssertion({
            clientId,
            audience: assertionAudience,
            key,
            algorithm: signingAlgorithm,
            keyId: privateKeyId,
          }),
        );
      },
    };
  }

  /** A key is not read again: nothing new to send once it is refused. */
  async renew(): Promise<undefined> {
    return undefined;
  }

  async credentialKey(): Promise<string> {
    return `jkt:${(await this.#key()).thumbprint}`;
  }

  forget(): void {}

  /** The key never goes on the wire, and an assertion is worthless once used: nothing to scrub. */
  secrets(): readonly string[] {
    return [];
  }

  /** The key, imported on first use and kept; an import that fails fails every call the same way. */
  #key(): Promise<ImportedSigningKey> {
    this.#imported ??= importSigningKey(
      this.#input,
      this.#settings.signingAlgorithm,
      this.#settings.privateKeyId,
    ).catch((error: unknown) => {
      throw new M2MError({
        code: M2MErrorCode.InvalidClient,
        status: 0,
        message: `M2MClientConfig.privateKey ${(error as Error).message}`,
        cause: error,
      });
    });
    return this.#imported;
  }
}
