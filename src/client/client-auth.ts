import { createScrubber, formEncode, type Scrub } from './scrub.js';
import type { ClientAuthMethod, M2MClientConfig } from './types.js';

/**
 * A form POST about to be sent to an endpoint of the authorization server. Built afresh for every
 * attempt; client authentication (and any proof beside it) adds its fields and headers to it.
 */
export type FormRequest = {
  /** The endpoint's absolute URL (the audience of a client assertion, the `htu` of a DPoP proof). */
  readonly url: string;
  /** The form fields; undefined ones are left out of the body. */
  readonly form: Record<string, string | undefined>;
  /** Request headers, names in lower case. */
  readonly headers: Record<string, string>;
};

/**
 * How the client proves who it is (RFC 6749 §2.3). Holds the client's credentials; nothing else does.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export interface ClientAuthentication {
  readonly method: ClientAuthMethod;
  /**
   * Adds the client's credentials to `request`, once per attempt. May be asynchronous: a method that
   * signs an assertion per attempt resolves once it has added it.
   */
  authenticate(request: FormRequest): void | Promise<void>;
  /**
   * What tells the credentials apart in shared-cache keys, so that rotated credentials miss. Only
   * ever hashed: never stored, logged or sent.
   */
  credentialKey(): string | Promise<string>;
  /**
   * Masks every secret this authentication holds, in every form it can take on the wire, in what
   * the server sends back: applied before a reply's text enters an error.
   */
  readonly scrub: Scrub;
}

/** The client authentication of `config` (checked by `resolveConfig`), by `method`. */
export function clientAuthentication(
  config: M2MClientConfig,
  method: ClientAuthMethod,
): ClientAuthentication {
  return new ClientSecret(method, config.clientId, config.clientSecret);
}

/**
 * client_secret_post (RFC 6749 §2.3.1): `client_id` and `client_secret` in the form; client_secret_basic:
 * HTTP Basic with id and secret each form-urlencoded before they are joined with ":" and base64-encoded,
 * and `client_id` in the form too.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
class ClientSecret implements ClientAuthentication {
  readonly method: ClientAuthMethod;
  readonly #clientId: string;
  readonly #secret: string;
  #scrub: Scrub | undefined;

  constructor(method: ClientAuthMethod, clientId: string, secret: string) {
    this.method = method;
    this.#clientId = clientId;
    this.#secret = secret;
  }

  /** Made on first use: most clients never see an error, and a thousand clients hold none. */
  get scrub(): Scrub {
    this.#scrub ??= createScrubber([this.#secret]);
    return this.#scrub;
  }

  authenticate({ form, headers }: FormRequest): void {
    form.client_id = this.#clientId;
    if (this.method === 'client_secret_basic')
      headers.authorization = basicAuthorization(this.#clientId, this.#secret);
    else form.client_secret = this.#secret;
  }

  credentialKey(): string {
    return this.#secret;
  }
}

/** The `Authorization` header of client_secret_basic (RFC 6749 §2.3.1). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}
