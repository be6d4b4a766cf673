import { codeForStatus, M2MError, M2MErrorCode, serverHeaders } from './errors.js';
import { UnreadableBodyError } from './response-body.js';
import { keepText, type Scrub, scrubCause } from './scrub.js';

/**
 * Maps a failure before a usable response: a network failure or timeout (status 0), or a response
 * whose body could not be read (its own status, and the code its status implies).
 */
export function errorBeforeBody(error: unknown, action: string, scrub: Scrub = keepText): M2MError {
  if (error instanceof M2MError) return error;
  if (!(error instanceof UnreadableBodyError)) return errorFromNetwork(error, action, scrub);
  const { status, cause } = error;
  const reason = cause instanceof Error ? networkReason(cause) : error.message;
  return new M2MError({
    code: codeForStatus(status),
    status,
    headers: serverHeaders(error.headers, scrub),
    message: `${action} failed with HTTP ${status} and a body that could not be read: ${scrub(reason)}`,
    cause: scrubCause(cause, scrub),
  });
}

/**
 * Maps a failure before any response (DNS, refused, reset, timeout, caller abort). A timeout's reason
 * says how long it was ("timed out after 100 ms").
 */
export function errorFromNetwork(error: unknown, action: string, scrub: Scrub = keepText): M2MError {
  const reason = error instanceof Error ? error : new Error(String(error));
  const message =
    reason.name === 'TimeoutError'
      ? `${action} ${reason.message.startsWith('timed out') ? reason.message : `timed out (${reason.message})`}`
      : reason.name === 'AbortError'
        ? `${action} was aborted`
        : `${action} failed: ${scrub(networkReason(reason))}`;
  return new M2MError({
    code: M2MErrorCode.TemporarilyUnavailable,
    status: 0,
    message,
    cause: scrubCause(reason, scrub),
  });
}

/** What went wrong, from the innermost error that says it: "UND_ERR_SOCKET (other side closed)". */
function networkReason(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}
