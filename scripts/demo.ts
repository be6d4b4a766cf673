// `npm run demo`: the quick start of the guide, end to end, against a local Prism mock of
// openapi/passflow-m2m.yaml. No configuration, no external server; Prism is stopped on exit, error or Ctrl-C.
import { M2MClient, M2MError } from '@passflow/core';
import { startPrism } from './prism.mjs';

const say = (line = '') => process.stdout.write(`${line}\n`);
const code = (line: string) => say(`    > ${line}`);
const row = (name: string, value: unknown) => say(`      ${name.padEnd(12)} ${String(value)}`);
const step = (n: number, title: string) => say(`\n${n}. ${title}`);

function short(token: string): string {
  return `${token.slice(0, 16)}…${token.slice(-8)} (${token.length} chars)`;
}

function untilExpiry(expiresAtMs: number): string {
  const minutes = Math.round((expiresAtMs - Date.now()) / 60_000);
  return minutes >= 0 ? `in ${minutes} min` : `${-minutes} min ago`;
}

say('Passflow M2M demo: the quick start against a local mock of openapi/passflow-m2m.yaml');
say('Starting a local authorization server (Prism)…');
const prism = await startPrism();
const stopOnSignal = (signal: NodeJS.Signals) => {
  void prism.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

try {
  say(`Authorization server: ${prism.url} (token: POST /oauth2/token, revocation: POST /oauth2/revoke)`);
  let tokenRequests = 0;

  step(1, 'Create a client and request an access token');
  code(
    `const m2m = new M2MClient({ url: '${prism.url}', clientId, clientSecret, scopes: ['users:read', 'orders:write'] })`,
  );
  const m2m = new M2MClient({
    url: prism.url,
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    scopes: ['users:read', 'orders:write'],
    onTokenRequest: () => {
      tokenRequests++;
    },
  });
  code('const token = await m2m.getToken()');
  const token = await m2m.getToken();
  row('access_token', short(token.access_token));
  row('token_type', token.token_type);
  row('expires_in', `${token.expires_in} s`);
  row('scope', token.scope);
  row('requests', tokenRequests);

  step(2, 'Ask again: the cached token, no new request');
  code('const again = await m2m.getToken()');
  const again = await m2m.getToken();
  row('same token', again === token ? 'yes' : 'no');
  row('requests', tokenRequests);
  code('m2m.isTokenExpired()');
  row('expired', m2m.isTokenExpired());
  code('m2m.isTokenExpired(m2m.getCachedToken(), 300)');
  row('within 5 min', m2m.isTokenExpired(m2m.getCachedToken(), 300));

  step(3, 'Decode the token claims');
  code('const claims = m2m.parseToken(token.access_token)');
  const claims = m2m.parseToken(token.access_token);
  row('iss', claims.iss);
  row('sub', claims.sub);
  row('client_id', claims.client_id);
  row('tenant_id', claims.tenant_id);
  row('aud', claims.aud.join(' '));
  row('scopes', claims.scopes.join(' '));
  row(
    'JWT exp',
    `${new Date(claims.exp * 1000).toISOString()} (the mock always serves the spec's example token)`,
  );
  row(
    'valid until',
    `${untilExpiry((token.issued_at ?? 0) * 1000 + token.expires_in * 1000)}: the client counts from receipt + expires_in, not the server's clock`,
  );

  step(4, 'Scopes: another scope set gets a token of its own');
  code("await m2m.getToken({ scopes: ['users:read'] })");
  await m2m.getToken({ scopes: ['users:read'] });
  row('requests', tokenRequests);
  code('await m2m.getToken({ forceRefresh: true })');
  await m2m.getToken({ forceRefresh: true });
  row('requests', tokenRequests);

  step(5, 'Revoke the token (RFC 7009)');
  code('await m2m.revokeToken()');
  await m2m.revokeToken();
  row('cached now', m2m.getCachedToken());

  step(6, 'An error: the server rejects the client');
  say('      (a custom fetch adds "Prefer: code=401", which makes the mock answer with the spec\'s 401)');
  const rejected = new M2MClient({
    url: prism.url,
    clientId: 'your-client-id',
    clientSecret: 'a-wrong-secret',
    fetch: (input, init) => {
      const request = new Request(input, init);
      request.headers.set('prefer', 'code=401');
      return fetch(request);
    },
  });
  try {
    code('await m2m.getToken()');
    await rejected.getToken();
    row('result', 'unexpectedly got a token');
  } catch (error) {
    if (!(error instanceof M2MError)) throw error;
    row('M2MError', `${error.code} (HTTP ${error.status})`);
    row('message', error.message);
  }

  say('\nDone: token, cached token, claims, scopes, revocation and an error, all against the local server.');
} finally {
  await prism.stop();
  say('Stopped the local authorization server.');
}
