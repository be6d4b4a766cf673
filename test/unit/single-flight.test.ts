// Single flight: concurrent callers of one key share one run of the work; abortable waits.
import { describe, expect, it, vi } from 'vitest';
import { abortable, SingleFlight } from '../../src/client/single-flight.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of a key, once per key', async () => {
    const flights = new SingleFlight<string>();
    const gate = deferred<void>();
    const work = vi.fn(async (name: string) => {
      await gate.promise;
      return name;
    });
    const a = [1, 2, 3].map(() => flights.run('a', () => work('a')));
    const b = flights.run('b', () => work('b'));
    expect(a[0]).toBe(a[1]);
    expect(flights.has('a')).toBe(true);
    gate.resolve();
    expect(await Promise.all([...a, b])).toEqual(['a', 'a', 'a', 'b']);
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('frees the key once the work settles, after a success or a failure', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    await flights.run('k', async () => ++runs);
    expect(flights.has('k')).toBe(false);
    await expect(flights.run('k', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(flights.has('k')).toBe(false);
    expect(await flights.run('k', async () => ++runs)).toBe(2);
  });

  it('starts the work after registering it: work that asks for its own key joins itself', async () => {
    const flights = new SingleFlight<string>();
    let inner: Promise<string> | undefined;
    const outer = flights.run('k', async () => {
      inner = flights.run('k', async () => 'second run');
      return 'first run';
    });
    expect(await outer).toBe('first run');
    expect(inner).toBe(outer);
  });

  it('after clear(), new callers start new work; those already waiting get the old result', async () => {
    const flights = new SingleFlight<string>();
    const gate = deferred<string>();
    const old = flights.run('k', () => gate.promise);
    flights.clear();
    expect(flights.has('k')).toBe(false);
    const fresh = flights.run('k', async () => 'new');
    expect(fresh).not.toBe(old);
    gate.resolve('old');
    expect(await old).toBe('old');
    // The old flight settling does not free the key of the new one.
    const gateNew = deferred<string>();
    const newer = flights.run('n', () => gateNew.promise);
    flights.clear();
    const newest = flights.run('n', async () => 'newest');
    gateNew.resolve('newer');
    await newer;
    expect(await newest).toBe('newest');
    expect(await fresh).toBe('new');
  });
});

describe('abortable', () => {
  it('is the promise itself without a signal', () => {
    const promise = Promise.resolve(1);
    expect(abortable(promise, undefined)).toBe(promise);
  });

  it("rejects with the signal's reason when it aborts, while the work goes on", async () => {
    const gate = deferred<string>();
    const controller = new AbortController();
    const waiting = abortable(gate.promise, controller.signal);
    controller.abort(new Error('caller left'));
    await expect(waiting).rejects.toThrow('caller left');
    gate.resolve('done');
    expect(await gate.promise).toBe('done');
  });

  it('rejects at once for a signal already aborted, leaving no unhandled rejection behind', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const failing = Promise.reject(new Error('work failed'));
      await expect(abortable(failing, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('settles with the work and then stops listening to the signal', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    expect(await abortable(Promise.resolve('ok'), controller.signal)).toBe('ok');
    await expect(abortable(Promise.reject(new Error('bad')), controller.signal)).rejects.toThrow('bad');
    expect(remove).toHaveBeenCalledTimes(2);
  });
});
