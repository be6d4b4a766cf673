// The client secret provider: read lazily and kept, one read for concurrent callers, read again after
// forget() and once after a refusal, failures as invalid_client with status 0 and no secret in them.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { M2MError } from '../../src/client/errors.js';
import { SecretSource } from '../../src/client/secret-source.js';

/** A provider returning the values in turn (the last one from then on), counting its reads. */
function vault(...values: string[]) {
  const provider = Object.assign(
    async () => {
      provider.reads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return values[Math.min(provider.reads - 1, values.length - 1)] as string;
    },
    { reads: 0 },
  );
  return provider;
}

describe('SecretSource', () => {
  it('a string is used as it is and never re-read', async () => {
    const source = new SecretSource('fixed-secret');
    expect(source.rotates).toBe(false);
    expect(await source.current()).toBe('fixed-secret');
    expect(await source.reread('fixed-secret')).toBeUndefined();
    source.forget();
    expect(await source.current()).toBe('fixed-secret');
  });

  it('reads a provider on first use, not at construction, and keeps the value', async () => {
    const provider = vault('s-1', 's-2');
    const source = new SecretSource(provider);
    expect(provider.reads).toBe(0);
    expect(await source.current()).toBe('s-1');
    expect(await source.current()).toBe('s-1');
    expect(provider.reads).toBe(1);
  });

  it('concurrent callers share one read', async () => {
    const provider = vault('s-1');
    const source = new SecretSource(provider);
    const values = await Promise.all(Array.from({ length: 50 }, () => source.current()));
    expect(new Set(values)).toEqual(new Set(['s-1']));
    expect(provider.reads).toBe(1);
  });

  it('forget() makes the next use read again', async () => {
    const provider = vault('s-1', 's-2');
    const source = new SecretSource(provider);
    await source.current();
    source.forget();
    expect(await source.current()).toBe('s-2');
    expect(provider.reads).toBe(2);
  });

  it('a read that started before forget() is handed out but not kept', async () => {
    const provider = vault('s-1', 's-2');
    const source = new SecretSource(provider);
    const early = source.current();
    source.forget();
    expect(await early).toBe('s-1');
    expect(await source.current()).toBe('s-2');
  });

  it('reread() after a refusal: the new value when it changed, undefined when it did not', async () => {
    const provider = vault('old', 'new');
    const source = new SecretSource(provider);
    expect(await source.reread(await source.current())).toBe('new');
    expect(await source.current()).toBe('new');
    expect(await source.reread('new')).toBeUndefined();
    expect(provider.reads).toBe(3);
  });

  it('callers refused together share one re-read; a caller refused later takes the value already read', async () => {
    const provider = vault('old', 'new');
    const source = new SecretSource(provider);
    const used = await source.current();
    const rereads = await Promise.all(Array.from({ length: 20 }, () => source.reread(used)));
    expect(new Set(rereads)).toEqual(new Set(['new']));
    expect(await source.reread(used)).toBe('new');
    expect(provider.reads).toBe(2);
  });

  it('a provider that throws or rejects: invalid_client, status 0, its error as cause, nothing kept', async () => {
    const failure = new Error('vault sealed');
    let calls = 0;
    const source = new SecretSource(() => {
      calls++;
      if (calls === 1) throw failure;
      if (calls === 2) return Promise.reject(failure);
      return 'after-outage';
    });
    for (let i = 0; i < 2; i++) {
      const error = await source.current().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(M2MError);
      expect(error).toMatchObject({ code: 'invalid_client', status: 0, cause: failure });
    }
    expect(await source.current()).toBe('after-outage');
  });

  it.each([
    ['an empty string', ''],
    ['blank', '   '],
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
  ])('a provider returning %s is refused without quoting it', async (_name, value) => {
    const source = new SecretSource(() => value as string);
    const error = (await source.current().catch((e: unknown) => e)) as M2MError;
    expect(error).toBeInstanceOf(M2MError);
    expect(error).toMatchObject({ code: 'invalid_client', status: 0 });
    expect(error.message).toMatch(/instead of a non-empty string/);
  });

  it('known() lists the current value and a few earlier ones, newest first', async () => {
    const provider = vault('v1', 'v2', 'v3', 'v4', 'v5', 'v6');
    const source = new SecretSource(provider);
    for (let i = 0; i < 6; i++) {
      if (i > 0) source.forget();
      await source.current();
    }
    expect(source.known()).toEqual(['v6', 'v5', 'v4', 'v3']);
    source.forget();
    expect(source.known()).toEqual(['v6', 'v5', 'v4']);
    expect(new SecretSource('fixed').known()).toEqual(['fixed']);
  });

  it('inspection shows no value', async () => {
    const source = new SecretSource(async () => 'inspect-me-secret');
    await source.current();
    expect(inspect(source, { showHidden: true, depth: 5 })).not.toContain('inspect-me-secret');
    expect(JSON.stringify(source)).not.toContain('inspect-me-secret');
  });
});
