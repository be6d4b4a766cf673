// The snippets of docs/verify.md, each in a block of its own. Type-checked only; the Express service of
// that page is examples/express-middleware.ts, which runs (npm run examples -- express-middleware).
import { createServer } from 'node:http';
import {
  createM2MTokenVerifier,
  type M2MMiddlewareRequest,
  M2MTokenVerificationError,
  requireM2MToken,
} from '@passflow/core/verify';

declare const token: string;

// ## Express: the plain node:http server
{
  const verifier = createM2MTokenVerifier({
    url: 'https://auth.yourapp.com',
    audience: 'https://api.yourapp.com',
  });
  const guard = requireM2MToken(verifier, { scopes: ['orders:read'] });

  createServer((req, res) =>
    guard(req, res, (error) => {
      if (error) {
        res.statusCode = 500;
        res.end();
        return;
      }
      res.end(`hello, ${(req as M2MMiddlewareRequest).m2m?.client_id}`);
    }),
  ).listen(8080);
}

// ## Any other framework
{
  const verifier = createM2MTokenVerifier({
    url: 'https://auth.yourapp.com',
    audience: 'https://api.yourapp.com',
  });

  const claims = await verifier.verify(token, { scopes: ['orders:write'] });

  async function GET(request: Request): Promise<Response> {
    try {
      const claims = await verifier.verifyRequest(request, { scopes: ['orders:read'] });
      return Response.json({ caller: claims.client_id });
    } catch (error) {
      if (!(error instanceof M2MTokenVerificationError)) throw error;
      const headers = new Headers({ 'content-type': 'application/json' });
      if (error.wwwAuthenticate) headers.set('www-authenticate', error.wwwAuthenticate);
      return new Response(JSON.stringify({ error: error.code, error_description: error.message }), {
        status: error.status,
        headers,
      });
    }
  }
}
