import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import { keepingStatus, UnreadableBodyError } from './response-body.js';

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
    ...unbuiltRequests(boundedFetch(fetchImpl)),
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

/** The fetch this module was loaded with; a `fetch` configured by the user is called as before. */
const nativeFetch = globalThis.fetch;

/** What openapi-fetch constructs for each call in place of a WHATWG Request: its URL and init as they are. */
export class RequestParts {
  readonly url: string;
  readonly method: string;
  readonly init: RequestInit;
  constructor(url: string, init: RequestInit) {
    this.url = url;
    this.method = init.method ?? 'GET';
    this.init = init;
  }
}

/**
 * openapi-fetch's `Request` and `fetch` options, so that `send` gets the URL and init of each call
 * instead of a WHATWG Request: the native fetch then builds the one Request it needs, where building
 * one here first would have it copied into a second (more than the rest of a token request's
 * client-side work). The one place that depends on openapi-fetch internals (0.17, no middleware): it
 * calls `new Request(url, init)` with the final URL string and the whole init, reads only `method` of
 * the result (and copies init fields it lacks onto it), and passes it to `fetch` as the first
 * argument. test/unit/transport.test.ts fails when that changes.
 */
export function unbuiltRequests(send: (parts: RequestParts) => Promise<Response>): {
  Request: typeof Request;
  fetch: (request: Request) => Promise<Response>;
} {
  return {
    Request: RequestParts as unknown as typeof Request,
    fetch: (request) => send(request as unknown as RequestParts),
  };
}

/**
 * `fetchImpl`, refusing a response body above MAX_BODY_BYTES. A body that cannot be read keeps the
 * status of the response it belongs to (see `keepingStatus`).
 */
function boundedFetch(fetchImpl: typeof fetch): (parts: RequestParts) => Promise<Response> {
  const send =
    fetchImpl === nativeFetch
      ? (parts: RequestParts) => fetchImpl(parts.url, parts.init)
      : (parts: RequestParts) => fetchImpl(new Request(parts.url, parts.init));
  return async (parts) => {
    const response = await send(parts);
    const length = response.headers.get('content-length');
    const declared = Number(length);
    if (declared > MAX_BODY_BYTES) {
      await response.body?.cancel();
      throw new UnreadableBodyError(
        response,
        new BodyTooLargeError(`response body of ${declared} bytes exceeds the ${MAX_BODY_BYTES}-byte limit`),
      );
    }
    const { signal } = parts.init;
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
