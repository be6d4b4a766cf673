// A second independent authorization server for the contract kit's tests: an @node-oauth/oauth2-server
// app on 127.0.0.1 issuing opaque access tokens by the client credentials grant, with an RFC 7009
// revocation endpoint beside it (the library has none). Plain node:http, no framework.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import OAuth2Server from '@node-oauth/oauth2-server';

export type OAuth2ServerClient = { id: string; secret: string; scopes: string[] };

export type OAuth2App = {
  url: string;
  close: () => Promise<void>;
};

/** Starts the app on a free loopback port; close it in afterAll. */
export async function startOAuth2Server(clients: OAuth2ServerClient[]): Promise<OAuth2App> {
  const tokens = new Map<string, OAuth2Server.Token>();
  const clientOf = (id: string, secret: string) => {
    const found = clients.find((client) => client.id === id && client.secret === secret);
    return found && { id: found.id, grants: ['client_credentials'], accessTokenLifetime: 900 };
  };
  const model: OAuth2Server.ClientCredentialsModel = {
    getClient: async (id, secret) => clientOf(id, secret) ?? false,
    saveToken: async (token, client, user) => {
      const saved = { ...token, client, user };
      tokens.set(token.accessToken, saved);
      return saved;
    },
    getAccessToken: async (accessToken) => tokens.get(accessToken) ?? false,
    getUserFromClient: async (client) => ({ id: client.id }),
    // No scope asked: none granted. Otherwise every scope must be one the client may have.
    validateScope: async (_user, client, scope) => {
      const allowed = clients.find((c) => c.id === client.id)?.scopes ?? [];
      if (!scope) return [];
      return scope.every((s) => allowed.includes(s)) ? scope : false;
    },
  };
  const oauth = new OAuth2Server({ model, allowEmptyState: true });

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/oauth2/token') {
      const request = new OAuth2Server.Request({
        method: 'POST',
        headers: req.headers as Record<string, string>,
        query: {},
        body,
      });
      const response = new OAuth2Server.Response({ headers: {} });
      await oauth.token(request, response).catch(() => undefined);
      return send(res, response.status ?? 500, response.body, response.headers);
    }
    if (req.method === 'POST' && path === '/oauth2/revoke') return revoke(req, res, body);
    send(res, 404, { error: 'not_found' });
  }

  /** RFC 7009 §2.1: the client authenticates; the token goes if it is the client's; §2.2: 200 either way. */
  function revoke(req: IncomingMessage, res: ServerResponse, body: Record<string, string>): void {
    const basic = req.headers.authorization?.match(/^Basic (.+)$/)?.[1];
    const [id = '', secret = ''] = basic
      ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
      : [body.client_id ?? '', body.client_secret ?? ''];
    const client = clientOf(id, secret);
    if (!client) {
      send(res, 401, { error: 'invalid_client' }, basic ? { 'www-authenticate': 'Basic realm="test"' } : {});
    } else if (!body.token) {
      send(res, 400, { error: 'invalid_request' });
    } else {
      if (tokens.get(body.token)?.client.id === client.id) tokens.delete(body.token);
      res.writeHead(200).end();
    }
  }

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}
