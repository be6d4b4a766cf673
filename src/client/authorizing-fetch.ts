import type { DpopProver } from './dpop-proof.js';
import { M2MError, M2MErrorCode } from './errors.js';
import type { M2MTokenRequestOptions, M2MTokenResponse } from './types.js';
import { answerTo } from './www-authenticate.js';

/**
 * Headers that authorize one request to a resource server, from `m2m.authorizationHeaders()`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1 (Bearer)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1 (DPoP)
 */
export type M2MAuthorizationHeaders = {
  /** `Bearer <token>` or `DPoP <token>` */
  authorization: string;
  /** The DPoP proof for this request (method and URL), present with a DPoP-bound token */
  dpop?: string;
};

/**
 * The `init` of `m2m.fetch()`: a fetch `RequestInit`, plus the token to use when it is not the
 * client's default one (as for `getToken()`).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7 (DPoP-bound tokens at a resource server)
 */
export type M2MFetchInit = RequestInit & Pick<M2MTokenRequestOptions, 'scopes' | 'audience' | 'resource'>;

/** Where the tokens come from: the client's `getToken`. */
export type TokenSource = (options?: M2MTokenRequestOptions) => Promise<M2MTokenResponse>;

export type AuthorizingFetchDeps = {
  readonly getToken: TokenSource;
  /** Present when the client has the `dpop` option. */
  readonly dpop: DpopProver | undefined;
  /** The client's `fetch` option (default: the global fetch). */
  readonly fetch: typeof fetch;
};

export type AuthorizingFetch = {
  fetch(input: RequestInfo | URL, init?: M2MFetchInit): Promise<Response>;
  authorizationHeaders(
    method: string,
    url: string | URL,
    options?: M2MTokenRequestOptions,
  ): Promise<M2MAuthorizationHeaders>;
};

/**
 * Sends requests to resource servers with the client's tokens: `Authorization: Bearer` or, for a
 * DPoP-bound token, `Authorization: DPoP` with a proof that covers the token (`ath`) and the server's
 * nonce. A 401 that asks for a new token (`invalid_token`) or for the server's nonce is answered by one
 * resend, when the request body can be sent again.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export function authorizingFetch(deps: AuthorizingFetchDeps): AuthorizingFetch {
  const { getToken, dpop } = deps;

  /** The headers that present `token` for `method` `url`: a promise only when a proof is to be signed. */
  function present(
    token: M2MTokenResponse,
    method: string,
    url: URL | undefined,
  ): M2MAuthorizationHeaders | Promise<M2MAuthorizationHeaders> {
    if (token.token_type !== 'DPoP' || dpop === undefined || url === undefined) {
      return { authorization: `Bearer ${token.access_token}` };
    }
    return withClearErrors(() => dpop.proof(method, url, token.access_token)).then((proof) => ({
      authorization: `DPoP ${token.access_token}`,
      dpop: proof,
    }));
  }

  /**
   * A token newer than `used`: the one another caller got meanwhile, or a forced refresh that concurrent
   * callers share.
   */
  async function fresherThan(used: M2MTokenResponse, options: M2MTokenRequestOptions | undefined) {
    const current = await getToken(options);
    if (current.access_token !== used.access_token) return current;
    return getToken({ ...options, forceRefresh: true });
  }

  async function authorizedFetch(input: RequestInfo | URL, init?: M2MFetchInit): Promise<Response> {
    const { scopes, audience, resource, ...requestInit } = init ?? {};
    const options = tokenOptions(scopes, audience, resource, requestInit.signal);
    const request = input instanceof Request ? input : undefined;
    const method = httpMethod(requestInit.method ?? request?.method ?? 'GET');
    // The URL is parsed only for a DPoP proof; a bearer request leaves it to fetch.
    const url = dpop ? targetUrl(request?.url ?? String(input)) : undefined;
    const callerHeaders = requestInit.headers ?? request?.headers;
    const send = async (token: M2MTokenResponse) => {
      const presenting = present(token, method, url);
      const presented = presenting instanceof Promise ? await presenting : presenting;
      const headers = callerHeaders === undefined ? presented : merged(callerHeaders, presented);
      const response = await deps.fetch(input, { ...requestInit, headers });
      if (url) dpop?.remember(url, response.headers);
      return response;
    };

    let token = await getToken(options);
    const response = await send(token);
    if (response.status !== 401) return response;
    // A nonce is of use only in a proof: a bearer request has none to put it in.
    const proved = url !== undefined && token.token_type === 'DPoP';
    const answer = answerTo(
      response.headers.get('www-authenticate'),
      proved && response.headers.has('dpop-nonce'),
    );
    if (answer === undefined || !replayable(requestInit.body, request)) return response;
    await response.body?.cancel();
    if (answer === 'refresh-token') token = await fresherThan(token, options);
    return send(token);
  }

  return {
    fetch: authorizedFetch,
    async authorizationHeaders(method, url, options) {
      const target = dpop ? targetUrl(url) : undefined;
      return present(await getToken(options), method.toUpperCase(), target);
    },
  };
}

/** The caller's headers with ours set over them; the caller's own object is left as it was. */
function merged(caller: HeadersInit, presented: M2MAuthorizationHeaders): Headers {
  const headers = new Headers(caller);
  headers.set('authorization', presented.authorization);
  if (presented.dpop !== undefined) headers.set('dpop', presented.dpop);
  return headers;
}

function tokenOptions(
  scopes: string[] | undefined,
  audience: string[] | undefined,
  resource: string | undefined,
  signal: AbortSignal | null | undefined,
): M2MTokenRequestOptions | undefined {
  if (scopes === undefined && audience === undefined && resource === undefined && !signal) return undefined;
  return {
    ...(scopes !== undefined && { scopes }),
    ...(audience !== undefined && { audience }),
    ...(resource !== undefined && { resource }),
    ...(signal && { signal }),
  };
}

const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** The method as fetch sends it: these six upper-cased, any other as given (WHATWG Fetch, "normalize"). */
function httpMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

/**
 * Whether the request can be sent a second time: no body, or a body fetch reads afresh each time. A
 * stream (a `ReadableStream`, or a `Request` carrying its body) is read once and gone.
 */
export function replayable(body: BodyInit | null | undefined, request: Request | undefined): boolean {
  if (body === undefined) return request?.body == null;
  return (
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof URLSearchParams ||
    body instanceof FormData ||
    body instanceof Blob
  );
}

function targetUrl(url: string | URL): URL {
  try {
    return new URL(url);
  } catch (error) {
    throw new M2MError({
      code: M2MErrorCode.InvalidRequest,
      status: 0,
      message: 'A DPoP proof needs an absolute http(s) URL for the request',
      cause: error,
    });
  }
}

/** Proof failures (a key that does not load) become an `M2MError`, as every other failure of the client. */
async function withClearErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof M2MError) throw error;
    throw new M2MError({
      code: M2MErrorCode.InvalidRequest,
      status: 0,
      message: `DPoP proof failed: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}
