import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import { keepingStatus, UnreadableBodyError } from './response-body.js';
import type { ClientAuthMethod } from './types.js';

export type Transport = Client<paths, 'application/x-www-form-urlencoded'>;

/** The largest response body the client reads; a token response is a few kilobytes. */
export const MAX_BODY_BYTES = 256 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** openapi-fetch over the generated paths, sending form bodies and reading bounded responses. */
export function createTransport(baseUrl: string, fetchImpl: typeof fetch): Transport {
  return createClient<paths, 'application/x-www-form-urlencoded'>({
    baseUrl,
    Request: RequestParts as unknown as typeof Request,
    fetch: boundedFetch(fetchImpl),
    bodySerializer: formBody,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    // Credentials must not follow a redirect to another origin: a 3xx surfaces as an error instead.
    redirect: 'manual',
  });
}

/** How many base URLs per fetch function keep a shared transport; more get their own. */
const MAX_SHARED_TRANSPORTS = 64;
const sharedTransports = new WeakMap<typeof fetch, Map<string, Transport>>();

/**
 * The transport for `baseUrl` over `fetchImpl`, shared by every client that has the same two: it holds
 * no per-client state, and a thousand clients of one server then hold one transport, not a thousand.
 */
export function transportFor(baseUrl: string, fetchImpl: typeof fetch): Transport {
  let byUrl = sharedTransports.get(fetchImpl);
  if (!byUrl) {
    byUrl = new Map();
    sharedTransports.set(fetchImpl, byUrl);
  }
  let transport = byUrl.get(baseUrl);
  if (!transport) {
    transport = createTransport(baseUrl, fetchImpl);
    if (byUrl.size < MAX_SHARED_TRANSPORTS) byUrl.set(baseUrl, transport);
  }
  return transport;
}

/** application/x-www-form-urlencoded (WHATWG URL §5), leaving out absent fields. */
export function formBody(body: unknown): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (value !== undefined) form.append(name, String(value));
  }
  return form.toString();
}

/**
 * The `Authorization` header of client_secret_basic (RFC 6749 §2.3.1): id and secret are each
 * form-urlencoded before they are joined with ":" and base64-encoded.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}

/** Client authentication of one request: body fields for client_secret_post, a header for basic. */
export function clientAuthentication(
  method: ClientAuthMethod,
  clientId: string,
  clientSecret: string,
): { body: { client_id: string; client_secret?: string }; headers: Record<string, string> } {
  return method === 'client_secret_basic'
    ? {
        body: { client_id: clientId },
        headers: { authorization: basicAuthorization(clientId, clientSecret) },
      }
    : { body: { client_id: clientId, client_secret: clientSecret }, headers: {} };
}

/** The fetch this module was loaded with; a `fetch` configured by the user is called as before. */
const nativeFetch = globalThis.fetch;

/**
 * What openapi-fetch constructs for each call in place of a WHATWG Request: the URL and the init as
 * they are. The native fetch then builds the one Request it needs; building one here first would have
 * it copied into a second, which costs more than the rest of a token request's client-side work.
 */
class RequestParts {
  readonly url: string;
  readonly method: string;
  readonly init: RequestInit;
  constructor(url: string, init: RequestInit) {
    this.url = url;
    this.method = init.method ?? 'GET';
    this.init = init;
  }
}

function boundedFetch(fetchImpl: typeof fetch): (request: Request) => Promise<Response> {
  const send =
    fetchImpl === nativeFetch
      ? (parts: RequestParts) => fetchImpl(parts.url, parts.init)
      : (parts: RequestParts) => fetchImpl(new Request(parts.url, parts.init));
  return async (request) => {
    const response = await send(request as unknown as RequestParts);
    const length = response.headers.get('content-length');
    const declared = Number(length);
    if (declared > MAX_BODY_BYTES) {
      await response.body?.cancel();
      throw new UnreadableBodyError(
        response,
        new BodyTooLargeError(`response body of ${declared} bytes exceeds the ${MAX_BODY_BYTES}-byte limit`),
      );
    }
    const signal = (request as unknown as RequestParts).init.signal;
    if (!response.body) return response;
    // HTTP/1.1 framing ends an unencoded body at its declared length: only a body without one, or
    // one that is decompressed (and may grow), needs counting.
    const encoding = response.headers.get('content-encoding');
    if (length !== null && (encoding === null || encoding === 'identity') && fetchImpl === nativeFetch) {
      return keepingStatus(response, signal);
    }
    let received = 0;
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          if (received > MAX_BODY_BYTES) {
            controller.error(new BodyTooLargeError(`response body exceeds the ${MAX_BODY_BYTES}-byte limit`));
          } else {
            controller.enqueue(chunk);
          }
        },
      }),
    );
    const counted = new Response(limited, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    return keepingStatus(counted, signal);
  };
}
