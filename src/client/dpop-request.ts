import type { DpopProver } from './dpop-proof.js';
import { isRecord } from './errors.js';

/** The part of a form POST to the authorization server that a proof is added to. */
export type ProvableRequest = {
  /** The endpoint's absolute URL: the proof's `htu`. */
  readonly url: string;
  /** Request headers, names in lower case. */
  readonly headers: Record<string, string>;
};

/**
 * DPoP at the token endpoint, beside client authentication: a fresh proof on every attempt, and the
 * authorization server's nonce, kept from any of its responses. A `400 use_dpop_nonce` that brings a
 * nonce is answered by the caller once, with a new proof; it is not one of the retries.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5 (token request)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8 (authorization server nonce)
 */
export class TokenRequestProof {
  readonly #prover: DpopProver;

  constructor(prover: DpopProver) {
    this.#prover = prover;
  }

  /** Adds the `DPoP` header to one attempt of a token request. */
  async attach(request: ProvableRequest): Promise<void> {
    request.headers.dpop = await this.#prover.proof('POST', new URL(request.url));
  }

  /**
   * Reads the server's answer to a proof: keeps its `DPoP-Nonce`, and tells whether it is a nonce
   * challenge (`400` with `error: use_dpop_nonce` and a new nonce) that a second attempt answers.
   */
  challenged(url: string, response: Response, body: unknown): boolean {
    const newNonce = this.#prover.remember(new URL(url), response.headers);
    return newNonce && response.status === 400 && isRecord(body) && body.error === 'use_dpop_nonce';
  }
}
