// A resource server on 127.0.0.1 that checks what M2MClient presents, as an API would: the access
// token (signature by the authorization server's keys, when given), and for a DPoP-bound token the
// proof of RFC 9449 §4.3 and §7.1 with jose: typ, signature by the embedded key, htm, htu, iat, a jti
// never seen before, ath, the key's thumbprint against the token's cnf.jkt, and its own nonce (§9)
// when it demands one.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  EmbeddedJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';

export type ResourceServerOptions = {
  /** The authorization server's public keys: access tokens must be signed by one. Default: not checked. */
  issuerKeys?: () => JWK[];
  /** Demand a nonce of this server in DPoP proofs (RFC 9449 §9). */
  requireNonce?: boolean;
  /** The body of a 200 answer; default `{ ok: true, method, path }`. */
  answer?: (request: ResourceRequest) => { status?: number; body: unknown };
};

export type ResourceRequest = {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The outcome: 200, or a 401 with the reason. */
  status: number;
  refused?: string;
};

export type ResourceServer = {
  url: string;
  requests: ResourceRequest[];
  /** From now on this token is refused with `invalid_token` (expired or revoked, as the API sees it). */
  revoke: (accessToken: string) => void;
  /** A new nonce: proofs with the old one are challenged again. */
  rotateNonce: () => void;
  close: () => Promise<void>;
};

class Refusal extends Error {
  constructor(
    readonly challenge: string,
    message: string,
  ) {
    super(message);
  }
}

const DPOP_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'PS256'];

export async function startResourceServer(options: ResourceServerOptions = {}): Promise<ResourceServer> {
  const requests: ResourceRequest[] = [];
  const revoked = new Set<string>();
  const seenJti = new Set<string>();
  const sockets = new Set<Socket>();
  let nonce = randomBytes(12).toString('base64url');
  let origin = '';

  async function check(req: IncomingMessage, path: string): Promise<JWTPayload> {
    const [scheme = '', token = ''] = (req.headers.authorization ?? '').split(' ');
    const bearer = scheme.toLowerCase() === 'bearer';
    if (!token || (!bearer && scheme.toLowerCase() !== 'dpop')) throw new Refusal('Bearer', 'no token');
    const invalidToken = (why: string) =>
      new Refusal(`${bearer ? 'Bearer' : 'DPoP'} error="invalid_token", error_description="${why}"`, why);
    if (revoked.has(token)) throw invalidToken('token revoked');
    let claims: JWTPayload;
    try {
      const keys = options.issuerKeys;
      claims = keys
        ? (await jwtVerify(token, createLocalJWKSet({ keys: keys() }))).payload
        : decodeJwt(token);
    } catch {
      throw invalidToken('token signature or lifetime');
    }
    const jkt = (claims.cnf as { jkt?: string } | undefined)?.jkt;
    if (bearer) {
      if (jkt) throw invalidToken('a DPoP-bound token presented as a bearer token');
      return claims;
    }
    const proofError = (why: string) => new Refusal(`DPoP error="invalid_dpop_proof"`, why);
    const proof = req.headers.dpop;
    if (typeof proof !== 'string') throw proofError('no DPoP proof');
    let verified: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS });
    } catch {
      throw proofError('proof signature');
    }
    const { payload, protectedHeader } = verified;
    if (payload.htm !== req.method) throw proofError('htm mismatch');
    if (payload.htu !== `${origin}${path}`) throw proofError('htu mismatch');
    if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > 60)
      throw proofError('iat not recent');
    if (payload.ath !== createHash('sha256').update(token).digest('base64url'))
      throw proofError('ath mismatch');
    if (!jkt || (await calculateJwkThumbprint(protectedHeader.jwk as JWK)) !== jkt)
      throw invalidToken('the proof key is not the key the token is bound to');
    if (options.requireNonce && payload.nonce !== nonce)
      throw new Refusal(
        'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"',
        'nonce',
      );
    if (typeof payload.jti !== 'string' || seenJti.has(payload.jti)) throw proofError('proof replayed');
    seenJti.add(payload.jti);
    return claims;
  }

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: ResourceRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      status: 200,
    };
    requests.push(record);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.requireNonce) headers['dpop-nonce'] = nonce;
    try {
      await check(req, path);
      const { status = 200, body } = options.answer?.(record) ?? {
        body: { ok: true, method: record.method, path },
      };
      record.status = status;
      res.writeHead(status, headers).end(JSON.stringify(body));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      record.status = 401;
      record.refused = error.message;
      res.writeHead(401, { ...headers, 'www-authenticate': error.challenge }).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    revoke: (accessToken) => revoked.add(accessToken),
    rotateNonce: () => {
      nonce = randomBytes(12).toString('base64url');
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
