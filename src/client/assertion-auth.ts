import type { KeyObject } from 'jose';
import type { AssertionSettings } from './auth-config.js';
import { signClientAssertion } from './client-assertion.js';
import type { CallAuthentication, ClientAuthentication, FormRequest } from './client-auth.js';
import { M2MError, M2MErrorCode } from './errors.js';
import { type ImportedSigningKey, importSigningKey } from './key-import.js';
import type { PrivateKeyInput } from './signing-key.js';

/**
 * Adds a new client assertion to one attempt's form: signed with the private key (`private_key_jwt`)
 * or with the client secret's bytes (`client_secret_jwt`, HMAC).
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export async function addAssertion(
  form: FormRequest['form'],
  clientId: string,
  key: CryptoKey | KeyObject | Uint8Array,
  settings: AssertionSettings,
): Promise<void> {
  const { algorithm, audience, keyId } = settings;
  Object.assign(form, await signClientAssertion({ clientId, audience, key, algorithm, keyId }));
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
    return { authenticate: ({ form }) => addAssertion(form, this.#clientId, key, this.#settings) };
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
    this.#imported ??= importSigningKey(this.#input, this.#settings.algorithm, this.#settings.keyId).catch(
      (error: unknown) => {
        throw new M2MError({
          code: M2MErrorCode.InvalidClient,
          status: 0,
          message: `M2MClientConfig.privateKey ${(error as Error).message}`,
          cause: error,
        });
      },
    );
    return this.#imported;
  }
}
