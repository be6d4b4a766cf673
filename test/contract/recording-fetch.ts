import { inject } from 'vitest';
import { M2MClient, type M2MClientConfig } from '../../src/index.js';
/** One request the client sent and what Prism answered, as the tests inspect them. */
export type Exchange = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseHeaders: Record<string, string>;
};

export type RecordingFetch = {
  fetch: typeof fetch;
  exchanges: Exchange[];
  /** Forces a status on the next requests to `path` with Prism's `Prefer: code=N`. */
  prefer(path: string, status: number): void;
};

/**
 * A fetch for `M2MClientConfig.fetch` that records every exchange and can add `Prefer: code=N`,
 * so the tests see exactly what the client put on the wire and whether Prism flagged it.
 */
export function recordingFetch(): RecordingFetch {
  const exchanges: Exchange[] = [];
  const preferred = new Map<string, number>();
  const recorder: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const status = preferred.get(path);
    if (status !== undefined) request.headers.set('prefer', `code=${status}`);
    const body = await request.clone().text();
    const response = await fetch(request);
    exchanges.push({
      method: request.method,
      path,
      headers: Object.fromEntries(request.headers),
      body,
      status: response.status,
      responseHeaders: Object.fromEntries(response.headers),
    });
    return response;
  };
  return {
    fetch: recorder,
    exchanges,
    prefer: (path, code) => preferred.set(path, code),
  };
}

/** A client of the Prism mock whose traffic goes through `wire`. */
export function clientFor(wire: RecordingFetch, config: Partial<M2MClientConfig> = {}): M2MClient {
  return new M2MClient({
    url: inject('prismUrl'),
    clientId: 'svc-orders',
    clientSecret: 's3cret',
    ...config,
    fetch: wire.fetch,
  });
}
