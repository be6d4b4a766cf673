// @passflow/core/verify: the resource server's side of M2M. APIs that receive access tokens verify
// them here (RFC 9068 §4, RFC 9449 for DPoP-bound tokens); the client bundle does not include it.
export type { VerifiedM2MTokenClaims } from './access-token.js';
export type {
  M2MDPoPVerificationOptions,
  M2MTokenIssuerLocation,
  M2MTokenVerifierOptions,
} from './config.js';
export { ASYMMETRIC_ALGORITHMS } from './config.js';
export type { NodeRequestLike } from './credentials.js';
export {
  M2MTokenVerificationError,
  type M2MTokenVerificationErrorCode,
  type M2MTokenVerificationErrorInit,
  type M2MTokenVerificationStatus,
} from './errors.js';
export {
  type M2MMiddleware,
  type M2MMiddlewareRequest,
  type M2MMiddlewareResponse,
  type RequireM2MTokenOptions,
  requireM2MToken,
} from './middleware.js';
export {
  createM2MTokenVerifier,
  type M2MTokenVerifier,
  type VerifyOptions,
  type VerifyRequestOptions,
} from './verifier.js';
