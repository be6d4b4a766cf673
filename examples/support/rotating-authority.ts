// The authorization server of the rotation example, on loopback: one M2M application whose secret the
// admin API rotates, as Passflow's does. The token endpoint accepts only the current secret.
import { randomBytes } from 'node:crypto';
import {
  type RecordedRequest,
  type Step,
  startTokenServer,
  type TokenServer,
  tokenBody,
} from '../../test/support/token-server.js';

export type RotatingAuthority = {
  url: string;
  /** Every request, in order, with the status it got: what the example test checks. */
  requests: () => Array<{ path: string; status: number }>;
  close: () => Promise<void>;
};

export async function startRotatingAuthority(
  clientId: string,
  initialSecret: string,
  adminApiKey: string,
): Promise<RotatingAuthority> {
  const server: TokenServer = await startTokenServer();
  let secret = initialSecret;
  const statuses: number[] = [];
  const rotatePath = `/admin/m2m/${encodeURIComponent(clientId)}/rotate-secret`;
  const answer = (request: RecordedRequest): Step => {
    if (request.method === 'POST' && request.path === rotatePath) {
      if (request.headers.authorization !== `Bearer ${adminApiKey}`) return { status: 401, body: {} };
      secret = `rotated-${randomBytes(12).toString('hex')}`;
      return { body: { client_id: clientId, client_secret: secret } };
    }
    if (request.method === 'POST' && request.path === '/oauth2/token') {
      const accepted = request.form.client_id === clientId && request.form.client_secret === secret;
      return accepted ? { body: tokenBody(3600) } : { status: 401, body: { error: 'invalid_client' } };
    }
    return { status: 404, body: { error: 'not_found' } };
  };
  server.setDefault((request) => {
    const step = answer(request);
    statuses.push(step.status ?? 200);
    return step;
  });
  return {
    url: server.url,
    requests: () => server.requests.map((request, i) => ({ path: request.path, status: statuses[i] ?? 0 })),
    close: () => server.close(),
  };
}
