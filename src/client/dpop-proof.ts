import { base64url, SignJWT } from 'jose';
import { checkDpopConfig, type DpopKey, loadDpopKey, type M2MDpopConfig } from './dpop-key.js';
import { DpopNonces } from './dpop-nonces.js';

/** The claims of one proof that vary per request. @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2 */
export type ProofClaims = {
  /** HTTP method of the request */
  readonly htm: string;
  /** Target URI without query and fragment */
  readonly htu: string;
  /** The server's latest nonce, when it gave one */
  readonly nonce?: string | undefined;
  /** base64url SHA-256 of the access token, when the request presents one */
  readonly ath?: string | undefined;
};

/**
 * The `htu` of a request to `url`: its URI without query and fragment.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export function proofTarget(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

const encoder = new TextEncoder();

/** `ath`: base64url of the SHA-256 of the ASCII access token. @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2 */
export async function accessTokenHash(accessToken: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(accessToken))));
}

/**
 * Signs one DPoP proof JWT: header `typ: dpop+jwt`, `alg`, the public `jwk`; claims `jti` (unique per
 * proof), `htm`, `htu`, `iat`, and `nonce` and `ath` when given.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export function signProof(key: DpopKey, claims: ProofClaims): Promise<string> {
  return new SignJWT({
    jti: crypto.randomUUID(),
    htm: claims.htm,
    htu: claims.htu,
    ...(claims.nonce !== undefined && { nonce: claims.nonce }),
    ...(claims.ath !== undefined && { ath: claims.ath }),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.algorithm, jwk: key.publicJwk })
    .setIssuedAt()
    .sign(key.privateKey);
}

/**
 * One client's DPoP state: its proof key (loaded or generated at first use) and the servers' nonces.
 * Makes the proof for each request, token endpoint or resource server.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export class DpopProver {
  readonly #config: M2MDpopConfig;
  #key: Promise<DpopKey> | undefined;
  readonly #nonces = new DpopNonces();
  /** The `ath` of the last token presented: a client presents the same token many times. */
  #lastAth: { readonly token: string; readonly ath: Promise<string> } | undefined;

  /** @throws M2MConfigError naming the field of `dpop` at fault */
  constructor(config: M2MDpopConfig) {
    checkDpopConfig(config);
    this.#config = config;
  }

  /** The proof key; a key that fails to load is tried again on the next call. */
  key(): Promise<DpopKey> {
    this.#key ??= loadDpopKey(this.#config).catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  /** RFC 7638 thumbprint of the public key: tokens bound to this key carry it as `cnf.jkt`. */
  async thumbprint(): Promise<string> {
    return (await this.key()).thumbprint;
  }

  /**
   * A fresh proof for `method` `url`, with the server's latest nonce, and with `ath` when the request
   * presents `accessToken` (to a resource server).
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2 (token requests)
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7 (resource requests)
   */
  async proof(method: string, url: URL, accessToken?: string): Promise<string> {
    const key = await this.key();
    const ath = accessToken === undefined ? undefined : await this.#athOf(accessToken);
    return signProof(key, { htm: method, htu: proofTarget(url), nonce: this.#nonces.get(url), ath });
  }

  /** Keeps the `DPoP-Nonce` a response from `url` carries. Returns whether it carried one. */
  remember(url: URL, headers: Headers | Record<string, string> | undefined): boolean {
    return this.#nonces.remember(url, headers);
  }

  #athOf(accessToken: string): Promise<string> {
    const last = this.#lastAth;
    if (last?.token === accessToken) return last.ath;
    const ath = accessTokenHash(accessToken);
    this.#lastAth = { token: accessToken, ath };
    return ath;
  }
}
