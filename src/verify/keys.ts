import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';

/** The issuer's keys could not be fetched or read: not the token's fault. */
export class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

/** Failures of the key lookup that the token causes: it names a key the set does not hold. */
const TOKEN_FAULTS = new Set<string>([
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JOSENotSupported.code,
]);

/**
 * The issuer's JWK Set through jose's remote set: fetched on first use, cached (10 minutes), fetched
 * again when a token names an unknown `kid` (a key rotation), at most once per 30 s cooldown, with
 * concurrent lookups sharing one fetch. A failed fetch or an unreadable set becomes `KeysUnavailable`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5}
 */
export function remoteKeys(jwksUri: URL, fetchImpl: typeof fetch | undefined): JWTVerifyGetKey {
  const fetchKeys: typeof fetch = async (input, init) => {
    const response = await (fetchImpl ?? globalThis.fetch)(input, init).catch((error: unknown) => {
      throw error instanceof Error && error.name === 'TimeoutError' ? error : unavailable(error);
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new KeysUnavailable(`the JWKS endpoint answered HTTP ${response.status}`);
    }
    return response;
  };
  const remote = createRemoteJWKSet(jwksUri, { [customFetch]: fetchKeys });
  return (header, token) =>
    remote(header, token).catch((error: unknown) => {
      if (error instanceof errors.JOSEError && TOKEN_FAULTS.has(error.code)) throw error;
      throw error instanceof KeysUnavailable ? error : unavailable(error);
    });
}

function unavailable(error: unknown): KeysUnavailable {
  if (!(error instanceof Error)) return new KeysUnavailable(String(error));
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  const reason = typeof code === 'string' ? `${error.message} (${code})` : error.message;
  return new KeysUnavailable(reason, { cause: error });
}
