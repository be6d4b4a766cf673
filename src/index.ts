export type { M2MAuthorizationHeaders, M2MFetchInit } from './client/authorizing-fetch.js';
export { M2MClient } from './client/client.js';
export { M2MConfigError } from './client/config.js';
export type { M2MDpopConfig, M2MDpopKeyMaterial, M2MKeyObject } from './client/dpop-key.js';
export { M2MError, M2MErrorCode, type M2MErrorInit } from './client/errors.js';
export type { ClientSecret, ClientSecretProvider } from './client/secret-source.js';
export type { AssertionSigningAlgorithm, PrivateKeyInput } from './client/signing-key.js';
export type {
  ClientAuthMethod,
  M2MCacheError,
  M2MCacheLockRelease,
  M2MClientConfig,
  M2MTokenCache,
  M2MTokenClaims,
  M2MTokenRequestInfo,
  M2MTokenRequestOptions,
  M2MTokenResponse,
  RetryStrategy,
} from './client/types.js';
