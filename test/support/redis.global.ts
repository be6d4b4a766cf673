import { provideRedisServer } from './redis-provision.js';

/**
 * Global setup of the test run: provides the redis-server of the Redis tests (installing it once with
 * apt-get when it is missing and that can be done). When it cannot, the Redis tests fail at once with
 * the instruction; the rest of the run goes on.
 */
export default async function setup(): Promise<void> {
  const provided = await provideRedisServer();
  if (provided.installed) console.log(`redis-server installed: ${provided.binary}`);
}
