// One replica of a fleet: M2MClients sharing a Redis token cache, driven by the parent over IPC.
// Started by fleet.ts, bundled, as `node child.mjs '<FleetMemberConfig JSON>'`.
import { M2MClient, type M2MTokenResponse } from '../../src/index.js';
import { createRedisTokenCache } from '../../src/redis/index.js';
import type { ChildMessage, FleetMemberConfig, MemberResult, ParentMessage } from './fleet.js';
import { connectRedis } from './redis-clients.js';

const config = JSON.parse(process.argv[2] ?? '{}') as FleetMemberConfig;
const send = (message: ChildMessage) => process.send?.(message);
const redis = await connectRedis(config.library, config.redisPort);

process.on('message', (message: ParentMessage) => {
  if (message.type === 'go')
    void run(message.round).then((result) => send({ type: 'done', round: message.round, result }));
  if (message.type === 'exit') void redis.close().then(() => process.exit(0));
});
// An orphan (its parent gone) must not linger.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });

/** A cold client, concurrent callers, then sequential follow-up calls; what each call got. */
async function run(round: number): Promise<MemberResult> {
  let requests = 0;
  let cacheErrors = 0;
  const m2m = new M2MClient({
    url: config.tokenUrl,
    clientId: 'fleet-service',
    clientSecret: 'fleet-secret',
    scopes: ['users:read'],
    retries: 0,
    ...config.client,
    ...(config.shareCache && {
      cache: createRedisTokenCache(redis.client, { prefix: `${config.prefix}r${round}:` }),
    }),
    onTokenRequest: () => {
      requests++;
      send({ type: 'fetching' });
    },
    onCacheError: () => {
      cacheErrors++;
    },
  });

  const seen: string[] = [];
  const errors: string[] = [];
  let calls = 0;
  let expiredServed = 0;
  const record = (token: M2MTokenResponse) => {
    calls++;
    if (Date.now() >= ((token.issued_at ?? 0) + token.expires_in) * 1000) expiredServed++;
    if (!seen.includes(token.access_token)) seen.push(token.access_token);
  };
  const call = () =>
    m2m.getToken().then(record, (error: unknown) => {
      calls++;
      errors.push(error instanceof Error ? error.message : String(error));
    });

  const startedAt = performance.now();
  await Promise.all(Array.from({ length: config.callers }, call));
  const stampedeMs = performance.now() - startedAt;
  for (let i = 0; i < config.followUpCalls; i++) {
    await new Promise((resolve) => setTimeout(resolve, config.followUpIntervalMs));
    await call();
  }
  return { pid: process.pid, tokens: seen, calls, errors, expiredServed, stampedeMs, requests, cacheErrors };
}
