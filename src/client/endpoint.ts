import {
  type CallAuthentication,
  type ClientAuthentication,
  clientAuthentication,
  type FormRequest,
} from './client-auth.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import type { TokenRequestProof } from './dpop-request.js';
import { errorFromResponse, M2MError, M2MErrorCode } from './errors.js';
import { errorBeforeBody } from './failures.js';
import { longestRunMs, type RetryPolicy, withRetries } from './retry.js';
import type { Scrub } from './scrub.js';
import { type Transport, transportFor } from './transport.js';
import type { M2MClientConfig } from './types.js';

/** The endpoints of the authorization server the client posts forms to. */
export type EndpointPath = '/oauth2/token' | '/oauth2/revoke';

/**
 * One protocol operation over an endpoint: the form it sends, and how it reads a 2xx answer. An error
 * response is an OAuth error response (RFC 6749 §5.2) for every operation, mapped by the endpoint.
 */
export type FormOperation<T> = {
  readonly path: EndpointPath;
  /** Names the operation in error messages ("Token request"). */
  readonly action: string;
  /** The operation's own fields; client authentication adds its fields per attempt. */
  readonly form: Readonly<Record<string, string | undefined>>;
  /**
   * Reads a 2xx response whose body is `body`; throws an `M2MError` when it is not what the RFC asks,
   * quoting what the server sent only through `scrub`.
   */
  readonly read: (response: Response, body: string | undefined, scrub: Scrub) => T;
  /** A DPoP proof beside client authentication, on each attempt (RFC 9449 §5). */
  readonly proof?: TokenRequestProof | undefined;
};

export type CallOptions = {
  /** Called before each attempt with its number, from 1. */
  readonly onAttempt?: ((attempt: number) => void) | undefined;
  /** Asked before each retry: true when nobody waits for the result any more, so none is made. */
  readonly abandoned?: (() => boolean) | undefined;
};

/** What an endpoint is built from: the server, a timeout per attempt and the retry policy. */
export type EndpointSettings = Pick<ResolvedConfig, 'baseUrl' | 'timeout' | 'fetch'> & RetryPolicy;

/**
 * One authenticated form POST to the authorization server: transport (openapi-fetch over the generated
 * paths), client authentication per attempt, a timeout per attempt and the retry policy. Built once per
 * client; the token request, revocation and the CLI send through it.
 */
export class Endpoint {
  readonly #settings: EndpointSettings;
  readonly #auth: ClientAuthentication;
  readonly #transport: Transport;

  constructor(
    settings: EndpointSettings,
    auth: ClientAuthentication,
    transport: Transport = transportFor(settings.baseUrl, settings.fetch),
  ) {
    this.#settings = settings;
    this.#auth = auth;
    this.#transport = transport;
  }

  /** The longest one call may take: every attempt timing out, every wait between them at its cap. */
  get longestCallMs(): number {
    return longestRunMs(this.#settings, this.#settings.timeout);
  }

  /**
   * Runs `operation` until it succeeds or the retry policy stops it; rejects with an `M2MError`. The
   * credentials are had once, before the first attempt (a failure there sends nothing and is not
   * retried). When the server refuses them as `invalid_client` and client authentication has other
   * credentials by then (a rotated secret), the operation runs once more with those, never more.
   */
  async call<T>(operation: FormOperation<T>, options?: CallOptions): Promise<T> {
    const auth = await this.#auth.begin();
    let attempts = 0;
    const run = (credentials: CallAuthentication) =>
      withRetries(
        this.#settings,
        () => {
          options?.onAttempt?.(++attempts);
          return this.#attempt(operation, credentials);
        },
        options?.abandoned,
      );
    try {
      return await run(auth);
    } catch (error) {
      if (!refusedClient(error) || options?.abandoned?.()) throw error;
      const renewed = await this.#auth.renew(auth);
      if (!renewed) throw error;
      return run(renewed);
    }
  }

  /**
   * One attempt: a POST, and a second one when the first brought a DPoP nonce challenge (RFC 9449 §8):
   * answering the server's nonce is part of the attempt, not one of the retries.
   */
  async #attempt<T>(
    operation: FormOperation<T>,
    auth: CallAuthentication,
    answeringNonce = false,
  ): Promise<T> {
    const { path, action, proof } = operation;
    // Object.assign, not a spread: V8 adds fields to a spread copy (the credentials) 30 times slower.
    const form = Object.assign({}, operation.form);
    const request: FormRequest = { url: this.#settings.baseUrl + path, form, headers: {} };
    const authenticating = auth.authenticate(request);
    if (authenticating) await authenticating;
    if (proof) await proof.attach(request);
    const { response, data, error } = await this.#post(path, request, action);
    if (proof?.challenged(request.url, response, error) && !answeringNonce) {
      return this.#attempt(operation, auth, true);
    }
    if (!response.ok) throw errorFromResponse(response, error, action, this.#auth.scrub);
    // The scrubber is made only when a reply is quoted in an error: a client that never fails holds none.
    return operation.read(response, data, (text) => this.#auth.scrub(text));
  }

  /** Sends one form POST under the per-attempt timeout; the body is read before it ends. */
  async #post(path: EndpointPath, request: FormRequest, action: string) {
    const { timeout } = this.#settings;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`timed out after ${timeout} ms`, 'TimeoutError')),
      timeout,
    );
    try {
      return await this.#transport
        // The form is the operation's, checked against the generated schema where it is built.
        .POST(path, {
          body: request.form as never,
          headers: request.headers,
          signal: controller.signal,
          parseAs: 'text',
        })
        .catch((failure: unknown) => {
          throw errorBeforeBody(failure, action, this.#auth.scrub);
        });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The endpoint `config` asks for, as the CLI sends through it. */
export function createEndpoint(config: M2MClientConfig, resolved = resolveConfig(config)): Endpoint {
  return new Endpoint(resolved, clientAuthentication(config, resolved));
}

/** The server's refusal of the client's credentials (a response, not a failure to read them). */
function refusedClient(error: unknown): boolean {
  return error instanceof M2MError && error.code === M2MErrorCode.InvalidClient && error.status !== 0;
}
