// Connects the two Redis libraries the cache supports, the way an application would.
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisClientLike } from '../../src/redis/index.js';

export type RedisLibrary = 'ioredis' | 'node-redis';
export const REDIS_LIBRARIES: readonly RedisLibrary[] = ['ioredis', 'node-redis'];

export type ConnectedRedis = {
  client: RedisClientLike;
  /** Whether the connection is up and commands run now (not queued). */
  ready: () => boolean;
  close: () => Promise<void>;
};

/** A connected client; connection errors are observed (an application logs them), never thrown. */
export async function connectRedis(
  library: RedisLibrary,
  port: number,
  onError: (error: Error) => void = () => undefined,
): Promise<ConnectedRedis> {
  if (library === 'ioredis') {
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 100 });
    client.on('error', onError);
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
    });
    return {
      client,
      ready: () => client.status === 'ready',
      close: async () => {
        client.disconnect();
      },
    };
  }
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: () => 100 } });
  client.on('error', onError);
  await client.connect();
  return {
    client,
    ready: () => client.isReady,
    close: async () => {
      client.destroy();
    },
  };
}
