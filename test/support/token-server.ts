// A real HTTP token server on 127.0.0.1, scripted per test: each request takes the next queued step
// (or the default one) and is recorded with its parsed form body.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT } from 'jose';

export type Step = {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. Default: a fresh token response. */
  body?: unknown;
  /** Wait before answering. */
  delayMs?: number;
  /** Never answer (the client's timeout must end it). */
  hang?: boolean;
  /** Destroy the connection without a response. */
  reset?: boolean;
  /** Send the headers and the first half of the body, then wait this long before the rest. */
  slowBodyMs?: number;
  /** Send the headers (with the whole body's length) and the first half of the body, then drop the connection. */
  cutBody?: boolean;
};

export type RecordedRequest = {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  form: Record<string, string>;
};

export type TokenServer = {
  url: string;
  requests: RecordedRequest[];
  /** Queue steps for the next requests, in order. */
  enqueue: (...steps: Step[]) => void;
  /** The step for requests when the queue is empty (default: a token with expires_in 3600). */
  setDefault: (step: Step | ((request: RecordedRequest) => Step)) => void;
  close: () => Promise<void>;
};

const SIGNING_KEY = new TextEncoder().encode('test-signing-key-for-loopback-tokens-only');
let serial = 0;

/** A signed JWT with the claims of an M2M token; `claims` override or extend them. */
export async function makeJwt(claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    type: 'm2m',
    client_id: 'test-client',
    scopes: ['users:read'],
    jti: `tok-${++serial}`,
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer('http://127.0.0.1')
    .setSubject(String(claims.client_id ?? 'test-client'))
    .setAudience((claims.aud as string[] | undefined) ?? ['https://api.example.test'])
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(SIGNING_KEY);
}

/** A token response body with a unique access token. */
export function tokenBody(expiresIn = 3600, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    access_token: `access-${++serial}-${Date.now()}`,
    token_type: 'Bearer',
    expires_in: expiresIn,
    ...extra,
  };
}

export async function startTokenServer(): Promise<TokenServer> {
  const requests: RecordedRequest[] = [];
  const queue: Step[] = [];
  let fallback: Step | ((request: RecordedRequest) => Step) = {};
  const sockets = new Set<Socket>();
  const pending = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      run();
    }, ms);
    pending.add(timer);
  };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      raw,
      form: Object.fromEntries(new URLSearchParams(raw)),
    };
    requests.push(recorded);
    const step = queue.shift() ?? (typeof fallback === 'function' ? fallback(recorded) : fallback);
    const answer = () => respond(res, step, later);
    if (step.delayMs) later(step.delayMs, answer);
    else answer();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...steps) => queue.push(...steps),
    setDefault: (step) => {
      fallback = step;
    },
    close: async () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function respond(res: ServerResponse, step: Step, later: (ms: number, run: () => void) => void): void {
  if (step.hang) return;
  if (step.reset) {
    res.socket?.destroy();
    return;
  }
  const status = step.status ?? 200;
  const body =
    step.body === undefined
      ? status === 200
        ? JSON.stringify(tokenBody())
        : ''
      : typeof step.body === 'string'
        ? step.body
        : JSON.stringify(step.body);
  const headers: Record<string, string> = {
    ...(typeof step.body !== 'string' || step.body === undefined
      ? { 'content-type': 'application/json' }
      : {}),
    'cache-control': 'no-store',
    ...step.headers,
  };
  if (step.cutBody) {
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.write(body.slice(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
    return;
  }
  if (step.slowBodyMs) {
    res.writeHead(status, headers);
    const half = Math.floor(body.length / 2);
    res.write(body.slice(0, half));
    later(step.slowBodyMs, () => res.end(body.slice(half)));
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
