// The guide's "Custom Cache Implementation" snippet, as written there. Type-checked only;
// src/redis provides a ready Redis cache (@passflow/core/redis).

// The guide's snippet uses M2MTokenResponse without importing it.
import type { M2MTokenResponse } from '@passflow/core';
import { M2MClient, type M2MTokenCache } from '@passflow/core';
import type { Redis } from 'ioredis';

// The application's Redis connection (ioredis), not shown in the guide.
declare const redis: Redis;

// Custom Redis cache
const redisCache: M2MTokenCache = {
  async get(key: string): Promise<M2MTokenResponse | null> {
    const data = await redis.get(key);
    return data ? JSON.parse(data) : null;
  },
  async set(key: string, token: M2MTokenResponse, ttl: number): Promise<void> {
    await redis.set(key, JSON.stringify(token), 'EX', ttl);
  },
  async delete(key: string): Promise<void> {
    await redis.del(key);
  },
};

const m2m = new M2MClient({
  url: 'https://auth.yourapp.com',
  clientId: 'your-client-id',
  clientSecret: 'your-client-secret',
  cache: redisCache,
});
