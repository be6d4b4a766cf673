/**
 * Concurrent callers asking for the same key share one run of the work: the first starts it, the
 * others get its promise, and the key is free again once it settles.
 */
export class SingleFlight<T> {
  /** Exists only while work is in flight, so that an idle owner holds no map. */
  #flights: Map<string, Promise<T>> | undefined;

  run(key: string, work: () => Promise<T>): Promise<T> {
    let flight = this.#flights?.get(key);
    if (!flight) {
      this.#flights ??= new Map();
      const flights = this.#flights;
      const settled = () => {
        if (flights.get(key) !== flight) return;
        flights.delete(key);
        if (flights.size === 0 && this.#flights === flights) this.#flights = undefined;
      };
      // Started after it is registered: work that calls back in (a hook asking for a token) joins it.
      // Two callbacks rather than finally(), which costs two more promises per flight.
      flight = Promise.resolve()
        .then(work)
        .then(
          (value) => {
            settled();
            return value;
          },
          (error: unknown) => {
            settled();
            throw error;
          },
        );
      flights.set(key, flight);
    }
    return flight;
  }

  has(key: string): boolean {
    return this.#flights?.has(key) === true;
  }

  /** Forget every flight: later callers start new work; callers already waiting still get their result. */
  clear(): void {
    this.#flights = undefined;
  }
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    // This caller leaves before it waited: the flight's failure is for its other callers to handle,
    // and must not surface as an unhandled rejection when there are none.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
