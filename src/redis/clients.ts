/**
 * The few commands of an ioredis `Redis` or `Cluster` the token cache uses. Typed structurally, so this
 * package never imports ioredis: any version whose instances have these methods fits.
 */
export interface IORedisLike {
  /** `ready`, `reconnecting`, `end`, ...: the connection state ioredis reports. */
  readonly status: string;
  /** `GET key`. */
  get(key: string): Promise<unknown>;
  /** `SET key value PX ms`. */
  set(key: string, value: string, expiryMode: 'PX', milliseconds: number): Promise<unknown>;
  /** `SET key value PX ms NX`. */
  set(key: string, value: string, expiryMode: 'PX', milliseconds: number, condition: 'NX'): Promise<unknown>;
  /** `DEL key`. */
  del(key: string): Promise<unknown>;
  /** `EVAL script numkeys key… arg…`: the atomic compare-and-delete and compare-and-expire of the lock. */
  eval(script: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/**
 * The few commands of a node-redis (v4 and later) client or cluster the token cache uses. Typed
 * structurally, so this package never imports node-redis.
 */
export interface NodeRedisLike {
  /** Whether the client is connected or connecting; commands fail at once while it is not ready. */
  readonly isOpen: boolean;
  /** Whether the connection is ready for commands (node-redis v4.1 and later). */
  readonly isReady?: boolean;
  /** `GET key`. */
  get(key: string): Promise<unknown>;
  /** `SET key value PX ms`, with `NX` when asked. */
  set(key: string, value: string, options: { PX: number; NX?: true }): Promise<unknown>;
  /** `DEL key`. */
  del(key: string): Promise<unknown>;
  /** `EVAL script numkeys key… arg…`: the atomic compare-and-delete and compare-and-expire of the lock. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** A connected ioredis or node-redis client; the cache detects which. */
export type RedisClientLike = IORedisLike | NodeRedisLike;

/** What the token cache needs from Redis, whichever library talks to it. */
export type RedisCommands = {
  get(key: string): Promise<string | null>;
  /** SET with PX; with `onlyIfAbsent`, NX. Whether the value was written. */
  set(key: string, value: string, ttlMs: number, onlyIfAbsent: boolean): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Deletes `key` only while it holds `value`, atomically. */
  deleteIfEquals(key: string, value: string): Promise<void>;
  /** Sets the TTL of `key` only while it holds `value`, atomically. Whether it did. */
  expireIfEquals(key: string, value: string, ttlMs: number): Promise<boolean>;
};

const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const EXPIRE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** States in which ioredis would queue a command until a reconnection that may never come. */
const IOREDIS_OFFLINE = new Set(['reconnecting', 'close', 'end']);

export function commandsOf(client: RedisClientLike): RedisCommands {
  if (isNodeRedis(client)) return guarded(nodeRedisDriver(client));
  if (typeof client === 'object' && client !== null && typeof client.eval === 'function')
    return guarded(ioredisDriver(client));
  throw new TypeError('createRedisTokenCache: expected an ioredis or node-redis client');
}

function isNodeRedis(client: RedisClientLike): client is NodeRedisLike {
  return typeof client === 'object' && client !== null && 'isOpen' in client;
}

/** One library's way to send the commands, and whether its connection is down. */
type Driver = {
  /** The connection state when the client is reconnecting or closed, otherwise undefined. */
  offline(): string | undefined;
  get(key: string): Promise<unknown>;
  set(key: string, value: string, ttlMs: number, onlyIfAbsent: boolean): Promise<unknown>;
  del(key: string): Promise<unknown>;
  deleteIfEquals(key: string, value: string): Promise<unknown>;
  expireIfEquals(key: string, value: string, ttlMs: number): Promise<unknown>;
};

// A command issued while the client reconnects waits in its offline queue for as long as the outage
// lasts. Failing at once instead lets the token client go on without the cache immediately.
function guarded(driver: Driver): RedisCommands {
  const online = () => {
    const state = driver.offline();
    if (state) throw new Error(`Redis connection is ${state}`);
  };
  return {
    async get(key) {
      online();
      return text(await driver.get(key));
    },
    async set(key, value, ttlMs, onlyIfAbsent) {
      online();
      return (await driver.set(key, value, ttlMs, onlyIfAbsent)) !== null;
    },
    async del(key) {
      online();
      await driver.del(key);
    },
    async deleteIfEquals(key, value) {
      online();
      await driver.deleteIfEquals(key, value);
    },
    async expireIfEquals(key, value, ttlMs) {
      online();
      return Number(await driver.expireIfEquals(key, value, ttlMs)) === 1;
    },
  };
}

function ioredisDriver(client: IORedisLike): Driver {
  return {
    offline: () => (IOREDIS_OFFLINE.has(client.status) ? client.status : undefined),
    get: (key) => client.get(key),
    set: (key, value, ttlMs, onlyIfAbsent) =>
      onlyIfAbsent ? client.set(key, value, 'PX', ttlMs, 'NX') : client.set(key, value, 'PX', ttlMs),
    del: (key) => client.del(key),
    deleteIfEquals: (key, value) => client.eval(DELETE_IF_EQUALS, 1, key, value),
    expireIfEquals: (key, value, ttlMs) => client.eval(EXPIRE_IF_EQUALS, 1, key, value, String(ttlMs)),
  };
}

function nodeRedisDriver(client: NodeRedisLike): Driver {
  return {
    offline: () => (client.isOpen && client.isReady === false ? 'reconnecting' : undefined),
    get: (key) => client.get(key),
    // The PX/NX flags (deprecated in v5 for `expiration`/`condition`) are the form every version takes.
    set: (key, value, ttlMs, onlyIfAbsent) =>
      client.set(key, value, onlyIfAbsent ? { PX: ttlMs, NX: true } : { PX: ttlMs }),
    del: (key) => client.del(key),
    deleteIfEquals: (key, value) => client.eval(DELETE_IF_EQUALS, { keys: [key], arguments: [value] }),
    expireIfEquals: (key, value, ttlMs) =>
      client.eval(EXPIRE_IF_EQUALS, { keys: [key], arguments: [value, String(ttlMs)] }),
  };
}

const decoder = new TextDecoder();

/** A reply as text: clients configured to return binary replies hand back bytes. */
function text(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array) return decoder.decode(reply);
  throw new TypeError(`unexpected Redis reply of type ${typeof reply}`);
}
