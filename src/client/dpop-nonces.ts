/** RFC 9449 §8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Origins remembered at most; the oldest is forgotten first. A client talks to a handful. */
const MAX_ORIGINS = 256;

/**
 * The latest `DPoP-Nonce` of each server (the authorization server and every resource server, by
 * origin), sent in each later proof to that server. A server may hand out a new nonce on any response,
 * an error or a success.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8 (authorization server nonce)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9 (resource server nonce)
 */
export class DpopNonces {
  readonly #byOrigin = new Map<string, string>();

  /** The nonce to put in a proof for `url`, if its server gave one. */
  get(url: URL): string | undefined {
    return this.#byOrigin.get(url.origin);
  }

  /** Keeps the nonce of a response from `url`; a malformed one is ignored. Returns whether one was kept. */
  remember(url: URL, headers: Headers | Record<string, string> | undefined): boolean {
    const nonce = headers instanceof Headers ? headers.get('dpop-nonce') : headers?.['dpop-nonce'];
    if (nonce == null || !NONCE.test(nonce)) return false;
    const origin = url.origin;
    this.#byOrigin.delete(origin);
    this.#byOrigin.set(origin, nonce);
    if (this.#byOrigin.size > MAX_ORIGINS) {
      const oldest = this.#byOrigin.keys().next().value;
      if (oldest !== undefined) this.#byOrigin.delete(oldest);
    }
    return true;
  }
}
