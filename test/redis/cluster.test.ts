// Redis Cluster: the cache works through cluster clients, and a token and its lock share one slot.
import { Cluster, Redis } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M2MClient } from '../../src/index.js';
import { createRedisTokenCache, type RedisClientLike } from '../../src/redis/index.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

type ClusterConnection = { client: RedisClientLike; close: () => Promise<void> };

let redis: RedisServer;
let server: TokenServer;
let inspector: Redis;

beforeAll(async () => {
  redis = await startRedis({ cluster: true });
  server = await startTokenServer();
  inspector = new Redis({ host: '127.0.0.1', port: redis.port });
});
afterAll(async () => {
  inspector?.disconnect();
  await server?.close();
  await redis?.close();
});

const connectors: Record<string, () => Promise<ClusterConnection>> = {
  'ioredis Cluster': async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: redis.port }]);
    cluster.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      cluster.once('error', reject);
    });
    return { client: cluster, close: async () => cluster.disconnect() };
  },
  'node-redis createCluster': async () => {
    const cluster = createCluster({ rootNodes: [{ socket: { host: '127.0.0.1', port: redis.port } }] });
    cluster.on('error', () => undefined);
    await cluster.connect();
    return { client: cluster, close: async () => cluster.destroy() };
  },
};

describe.each(Object.keys(connectors))('through an %s client', (name) => {
  it('shares one token between two clients, its lock in the same hash slot', async () => {
    const connect = connectors[name];
    if (!connect) throw new Error(`no connector for ${name}`);
    const connection = await connect();
    try {
      const prefix = `cluster:${name.split(' ')[0]}:`;
      const cache = createRedisTokenCache(connection.client, { prefix });
      const client = () =>
        new M2MClient({ url: server.url, clientId: 'svc', clientSecret: 's3cret', cache, retries: 0 });
      const before = server.requests.length;
      const [first, second] = await Promise.all([client().getToken(), client().getToken()]);
      expect(second?.access_token).toBe(first?.access_token);
      expect((await client().getToken()).access_token).toBe(first?.access_token);
      expect(server.requests.length).toBe(before + 1);

      const [tokenKey] = await inspector.keys(`${prefix}*`);
      if (!tokenKey) throw new Error('no token key in Redis');
      expect(tokenKey).not.toContain('s3cret');
      expect(await inspector.get(tokenKey)).not.toContain('s3cret');
      const release = await cache.lock?.(tokenKey.slice(prefix.length + 1, -1), 5000);
      expect(release).toBeTypeOf('function');
      const lockKey = `${tokenKey}:lock`;
      expect(await inspector.exists(lockKey)).toBe(1);
      expect(await inspector.cluster('KEYSLOT', lockKey)).toBe(await inspector.cluster('KEYSLOT', tokenKey));
      await release?.();
      expect(await inspector.exists(lockKey)).toBe(0);
    } finally {
      await connection.close();
    }
  });
});
