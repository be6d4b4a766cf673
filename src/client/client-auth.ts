import { addAssertion, PrivateKeyJwt } from './assertion-auth.js';
import type { AuthSettings } from './auth-config.js';
import { resolveConfig } from './config.js';
import { formEncode } from './scrub.js';
import { type ClientSecret, SecretSource } from './secret-source.js';
import type { PrivateKeyInput } from './signing-key.js';
import type { ClientAuthMethod, M2MClientConfig } from './types.js';

/**
 * A form POST about to be sent to an endpoint of the authorization server. Built afresh for every
 * attempt; client authentication (and any proof beside it) adds its fields and headers to it.
 */
export type FormRequest = {
  /** The endpoint's absolute URL (the `htu` of a DPoP proof). */
  readonly url: string;
  /** The form fields; undefined ones are left out of the body. */
  readonly form: Record<string, string | undefined>;
  /** Request headers, names in lower case. */
  readonly headers: Record<string, string>;
};

/** The client's credentials for one call: what each of its attempts adds to its request. */
export interface CallAuthentication {
  /** Adds the credentials to one attempt's request; an assertion is signed afresh for each. */
  authenticate(request: FormRequest): void | Promise<void>;
}

/**
 * How the client proves who it is. Holds the client's credentials; nothing else does.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export interface ClientAuthentication {
  readonly method: ClientAuthMethod;
  /**
   * Once per call, before its first attempt: the credentials its attempts use (the secret, read from
   * its provider when it has one; the private key, imported once). Rejects with an `M2MError`
   * `invalid_client` of status 0 when they cannot be had: the call then sends nothing.
   */
  begin(): Promise<CallAuthentication>;
  /**
   * After the server refused `refused` as `invalid_client`: credentials worth sending once more (the
   * secret's provider returned another value), or undefined.
   */
  renew(refused: CallAuthentication): Promise<CallAuthentication | undefined>;
  /**
   * What tells the credentials apart in shared-cache keys, so that rotated credentials miss: the
   * current secret, or the private key's RFC 7638 thumbprint. Hashed into keys, compared to tell a change,
   * never logged or sent.
   */
  credentialKey(): Promise<string>;
  /** `clearCache()`: a secret from a provider is read again on the next call. */
  forget(): void;
  /** The secret values in use and recently replaced, for scrubbing what servers send back. */
  secrets(): readonly string[];
}

/** The client authentication of `config`, as `resolveConfig` checked it into `settings`. */
export function clientAuthentication(
  config: M2MClientConfig,
  settings: AuthSettings = resolveConfig(config),
): ClientAuthentication {
  const { authMethod, assertion } = settings;
  if (authMethod === 'private_key_jwt' && assertion) {
    return new PrivateKeyJwt(config.clientId, config.privateKey as PrivateKeyInput, assertion);
  }
  return new SecretAuthentication(
    settings,
    config.clientId,
    new SecretSource(config.clientSecret as ClientSecret),
  );
}

const encoder = new TextEncoder();

/**
 * The methods built on the client secret: client_secret_post (id and secret in the form),
 * client_secret_basic (HTTP Basic, RFC 6749 §2.3.1) and client_secret_jwt (an HMAC assertion).
 * The secret comes from a {@link SecretSource}: read lazily, again after a clear or a refusal.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
class SecretAuthentication implements ClientAuthentication {
  readonly method: ClientAuthMethod;
  readonly #assertion: AuthSettings['assertion'];
  readonly #clientId: string;
  readonly #source: SecretSource;

  constructor(settings: AuthSettings, clientId: string, source: SecretSource) {
    this.method = settings.authMethod;
    this.#assertion = settings.assertion;
    this.#clientId = clientId;
    this.#source = source;
  }

  async begin(): Promise<CallAuthentication> {
    return new SecretCall(this, await this.#source.current());
  }

  async renew(refused: CallAuthentication): Promise<CallAuthentication | undefined> {
    const used = SecretCall.secretOf(refused);
    const fresh = used === undefined ? undefined : await this.#source.reread(used);
    return fresh === undefined ? undefined : new SecretCall(this, fresh);
  }

  credentialKey(): Promise<string> {
    return this.#source.current();
  }

  forget(): void {
    this.#source.forget();
  }

  secrets(): readonly string[] {
    return this.#source.known();
  }

  /** Adds `secret` to one attempt's request, the way this method sends it. */
  add({ form, headers }: FormRequest, secret: string): void | Promise<void> {
    const clientId = this.#clientId;
    if (this.#assertion) return addAssertion(form, clientId, encoder.encode(secret), this.#assertion);
    form.client_id = clientId;
    if (this.method === 'client_secret_basic') headers.authorization = basicAuthorization(clientId, secret);
    else form.client_secret = secret;
  }
}

/** One call's secret, in a private field: not shown by inspection, not serialised. */
class SecretCall implements CallAuthentication {
  readonly #auth: SecretAuthentication;
  readonly #secret: string;

  constructor(auth: SecretAuthentication, secret: string) {
    this.#auth = auth;
    this.#secret = secret;
  }

  authenticate(request: FormRequest): void | Promise<void> {
    return this.#auth.add(request, this.#secret);
  }

  static secretOf(call: CallAuthentication): string | undefined {
    return call instanceof SecretCall ? call.#secret : undefined;
  }
}

/** The `Authorization` header of client_secret_basic (RFC 6749 §2.3.1). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}
