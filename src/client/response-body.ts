/**
 * A response arrived, but its body could not be read: it was over the size bound, the connection
 * broke while it came, or it did not decode. Unlike a network failure it keeps the response's status
 * and headers, so a 4xx stays final and a 5xx stays retryable (DESIGN: status 0 means no response).
 */
export class UnreadableBodyError extends Error {
  override readonly name = 'UnreadableBodyError';
  readonly status: number;
  readonly headers: Headers;

  constructor(response: Response, reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason });
    this.status = response.status;
    this.headers = response.headers;
  }
}

/**
 * `response`, whose `text()` rejects with an {@link UnreadableBodyError} when the body cannot be read.
 * A timeout or abort while a 2xx body is still coming stays what it is: no token arrived, and the
 * attempt is retried like any other timeout.
 */
export function keepingStatus(response: Response, signal: AbortSignal | null | undefined): Response {
  const read = response.text;
  Object.defineProperty(response, 'text', {
    value: () =>
      read.call(response).catch((reason: unknown) => {
        throw signal?.aborted && response.ok ? reason : new UnreadableBodyError(response, reason);
      }),
  });
  return response;
}
