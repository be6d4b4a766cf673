// The guide's example "Express Middleware for Token Injection" (middleware/m2m-auth.ts), with its other
// side: the internal service that receives the token verifies it before it answers.
// Run it against a local authorization server: npm run examples -- express-middleware
import { M2MClient } from '@passflow/core';
import { createM2MTokenVerifier, requireM2MToken, type VerifiedM2MTokenClaims } from '@passflow/core/verify';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isMain } from './support/is-main.js';

// ---- The calling service: a token on every call it makes to internal APIs ----

const m2m = new M2MClient({
  url: process.env.PASSFLOW_URL!,
  clientId: process.env.M2M_CLIENT_ID!,
  clientSecret: process.env.M2M_CLIENT_SECRET!,
  scopes: ['data:read'],
  audience: ['https://internal-service.com'],
  autoRefresh: true,
});

// Extend Express Request type
declare global {
  namespace Express {
    interface Request {
      /** The calling service: the token it sends on. */
      m2mToken?: string;
      /** The receiving service: the claims of the token it verified. */
      m2m?: VerifiedM2MTokenClaims;
    }
  }
}

export async function m2mAuthMiddleware(req: Request, res: Response, next: NextFunction): Promise<void> {
  try {
    const token = await m2m.getValidToken();
    req.m2mToken = token.access_token;
    next();
  } catch (error) {
    console.error('Failed to obtain M2M token:', error);
    res.status(503).json({ error: 'Service authentication failed' });
  }
}

// Where the internal service is reached; its identity (the token audience) stays https://internal-service.com.
const INTERNAL_SERVICE_URL = process.env.INTERNAL_SERVICE_URL ?? 'https://internal-service.com';

export const app = express();

app.use('/api/internal', m2mAuthMiddleware);

app.get('/api/internal/data', async (req, res) => {
  const response = await fetch(`${INTERNAL_SERVICE_URL}/data`, {
    headers: { Authorization: `Bearer ${req.m2mToken}` },
  });
  res.status(response.status).json(await response.json());
});

// ---- The receiving service (internal-service.com): it checks every token it gets ----

const verifier = createM2MTokenVerifier({
  url: process.env.PASSFLOW_URL!, // the issuer: its published keys sign the tokens
  audience: 'https://internal-service.com', // a token must be meant for this service
});

export const internalService = express();

// 401 without a valid token, 403 without data:read, 503 while the issuer's keys cannot be fetched.
internalService.get('/data', requireM2MToken(verifier, { scopes: ['data:read'] }), (req, res) => {
  res.json({ caller: req.m2m?.client_id, items: [{ id: 1 }, { id: 2 }, { id: 3 }] });
});

// --- tsx examples/express-middleware.ts: serve both on loopback, call the route, stop ---
if (isMain(import.meta)) {
  const listen = async (service: express.Express, port: number) => {
    const server = service.listen(port, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : 0 };
  };
  const receiving = await listen(internalService, Number(new URL(INTERNAL_SERVICE_URL).port || 0));
  const calling = await listen(app, 0);
  try {
    const response = await fetch(`http://127.0.0.1:${calling.port}/api/internal/data`);
    console.log(`GET /api/internal/data -> ${response.status} ${JSON.stringify(await response.json())}`);
    const direct = await fetch(`${INTERNAL_SERVICE_URL}/data`);
    console.log(
      `GET internal-service /data without a token -> ${direct.status} ${direct.headers.get('www-authenticate')}`,
    );
  } finally {
    calling.server.close();
    receiving.server.close();
  }
}
