// The guide's example "Express Middleware for Token Injection" (middleware/m2m-auth.ts), as written there.
// Run it against Prism and a local API: npm run examples -- express-middleware
import { M2MClient } from '@passflow/core';
import type { NextFunction, Request, Response } from 'express';
import { isMain } from './support/is-main.js';

const m2m = new M2MClient({
  url: process.env.PASSFLOW_URL!,
  clientId: process.env.M2M_CLIENT_ID!,
  clientSecret: process.env.M2M_CLIENT_SECRET!,
  autoRefresh: true,
});

// Extend Express Request type
declare global {
  namespace Express {
    interface Request {
      m2mToken?: string;
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

// Usage in routes
import express from 'express';

const app = express();

app.use('/api/internal', m2mAuthMiddleware);

app.get('/api/internal/data', async (req, res) => {
  const response = await fetch('https://internal-service.com/data', {
    headers: { Authorization: `Bearer ${req.m2mToken}` },
  });
  res.json(await response.json());
});

// --- tsx examples/express-middleware.ts: serve once on a free port, call the route, stop ---
if (isMain(import.meta)) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/internal/data`);
    console.log(`GET /api/internal/data -> ${response.status} ${JSON.stringify(await response.json())}`);
  } finally {
    server.close();
  }
}
