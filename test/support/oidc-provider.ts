// oidc-provider (a certified OpenID provider) on 127.0.0.1 as an independent, real authorization
// server for interop tests. It serves this project's paths (/oauth2/token, /oauth2/revoke,
// /.well-known/jwks.json) so that an M2MClient needs nothing but `url`. `reconfigure()` and
// `rotateKeys()` swap the provider behind the same address: a rotated client secret, new signing keys.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';

export const OIDC_SCOPES = ['users:read', 'users:write', 'orders:read', 'orders:write'];
export const OIDC_RESOURCE = 'https://api.example.test';

export type OidcProviderOptions = {
  /** Registered clients; `grant_types`, `redirect_uris` and `response_types` are filled in for client credentials. */
  clients: ClientMetadata[];
  /** Scopes the provider knows (default OIDC_SCOPES). */
  scopes?: string[];
  /**
   * The resource indicator whose access tokens are RFC 9068 JWTs, used when a request names none
   * (default OIDC_RESOURCE). `null`: no default resource, so tokens are opaque unless a request
   * sends `resource`.
   */
  resource?: string | null;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTTL?: number;
  /** Signing algorithm of the JWT access tokens (default ES256). */
  signingAlg?: 'ES256' | 'RS256' | 'EdDSA';
  /** DPoP (RFC 9449): off unless given; `requireNonce` makes the server demand its nonce. */
  dpop?: { requireNonce?: boolean };
  /** Tolerance in seconds for clocks in client assertions and DPoP proofs (default oidc-provider's 15). */
  clockTolerance?: number;
};

export type RecordedOidcRequest = {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  status: number;
};

/** An error the provider answered with, as its events report it (`detail` says why, e.g. "jwt expired"). */
export type OidcProviderError = { event: string; error: string; detail: string | undefined };

export type OidcProviderServer = {
  /** The issuer identifier, also the `url` an M2MClient is given. */
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Every request the provider answered, in order. */
  requests: RecordedOidcRequest[];
  /** Every error of the token and revocation endpoints, in order, with the provider's own reason. */
  errors: OidcProviderError[];
  /** The public signing keys the provider serves now. */
  publicKeys: () => JWK[];
  /** A new provider with these options (merged over the current ones) behind the same address. */
  reconfigure: (options: Partial<OidcProviderOptions>) => Promise<void>;
  /** New signing keys, served from the same JWKS URL from now on; issued tokens are forgotten. */
  rotateKeys: () => Promise<void>;
  /** While `false`, the JWKS URL answers 503 (a key endpoint that is down). */
  setJwksAvailable: (available: boolean) => void;
  close: () => Promise<void>;
};

type SigningKeys = { private: JWK[]; public: JWK[] };

async function signingKeys(alg: NonNullable<OidcProviderOptions['signingAlg']>): Promise<SigningKeys> {
  const kid = `k-${randomBytes(6).toString('hex')}`;
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    private: [{ ...(await exportJWK(privateKey)), kid, alg, use: 'sig' }],
    public: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }],
  };
}

function configuration(options: OidcProviderOptions, keys: SigningKeys): Configuration {
  const resource = options.resource === undefined ? OIDC_RESOURCE : options.resource;
  const scopes = options.scopes ?? OIDC_SCOPES;
  const signingAlg = options.signingAlg ?? 'ES256';
  const dpop = options.dpop;
  return {
    clients: options.clients.map((client) => ({
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      // oidc-provider checks a client's ID token algorithm against its keys, even for clients that get none.
      id_token_signed_response_alg: signingAlg,
      ...client,
    })),
    scopes,
    jwks: { keys: keys.private },
    routes: {
      token: '/oauth2/token',
      revocation: '/oauth2/revoke',
      introspection: '/oauth2/introspect',
      jwks: '/.well-known/jwks.json',
    },
    clockTolerance: options.clockTolerance ?? 15,
    ttl: { ClientCredentials: options.accessTokenTTL ?? 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      dPoP: dpop
        ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => dpop.requireNonce === true }
        : { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? resource ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => ({
          scope: scopes.join(' '),
          audience: resourceIndicator,
          accessTokenTTL: options.accessTokenTTL ?? 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: signingAlg } },
        }),
      },
    },
  };
}

/** Starts oidc-provider on a free loopback port. Close it in afterAll. */
export async function startOidcProvider(initial: OidcProviderOptions): Promise<OidcProviderServer> {
  let options = initial;
  let keys = await signingKeys(options.signingAlg ?? 'ES256');
  let jwksAvailable = true;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const requests: RecordedOidcRequest[] = [];
  const errors: OidcProviderError[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.on('finish', () =>
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, status: res.statusCode }),
    );
    if (!jwksAvailable && path === '/.well-known/jwks.json') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('key service down');
      return;
    }
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const mount = () => {
    const provider = new Provider(issuer, configuration(options, keys));
    // Quiet: the interop tests assert on responses, not on the provider's console warnings.
    provider.on('server_error', () => undefined);
    const record =
      (event: string) => (_ctx: unknown, error: { error: string; error_detail?: string | undefined }) => {
        errors.push({ event, error: error.error, detail: error.error_detail });
      };
    provider.on('grant.error', record('grant.error'));
    provider.on('revocation.error', record('revocation.error'));
    handler = provider.callback();
  };
  mount();

  return {
    issuer,
    tokenEndpoint: `${issuer}/oauth2/token`,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    requests,
    errors,
    publicKeys: () => keys.public,
    reconfigure: async (changes) => {
      options = { ...options, ...changes };
      if (changes.signingAlg) keys = await signingKeys(changes.signingAlg);
      mount();
    },
    rotateKeys: async () => {
      keys = await signingKeys(options.signingAlg ?? 'ES256');
      mount();
    },
    setJwksAvailable: (available) => {
      jwksAvailable = available;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
