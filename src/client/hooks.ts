import type { ResolvedConfig } from './config.js';
import type { TokenRequest } from './request.js';
import type { M2MTokenRequestInfo, M2MTokenResponse } from './types.js';

type HookSettings = Pick<ResolvedConfig, 'baseUrl' | 'clientId' | 'authMethod' | 'onTokenRequest'>;

/** Tells `onTokenRequest` about one attempt of a token request: metadata only, never credentials. */
export function notifyTokenRequest(config: HookSettings, request: TokenRequest, attempt: number): void {
  const { onTokenRequest } = config;
  if (!onTokenRequest) return;
  const info: M2MTokenRequestInfo = {
    url: `${config.baseUrl}/oauth2/token`,
    clientId: config.clientId,
    scopes: [...request.scopes],
    audience: [...request.audience],
    ...(request.resource !== undefined && { resource: request.resource }),
    authMethod: config.authMethod,
    attempt,
  };
  callHook(() => onTokenRequest(info));
}

/** Tells `onTokenResponse` about a token obtained from the server, its access token redacted. */
export function notifyTokenResponse(
  config: Pick<ResolvedConfig, 'onTokenResponse'>,
  token: M2MTokenResponse,
): void {
  const { onTokenResponse } = config;
  if (onTokenResponse) callHook(() => onTokenResponse({ ...token, access_token: '[redacted]' }));
}

/** Runs a user hook: a hook that throws or rejects does not break token acquisition. */
function callHook(hook: () => unknown): void {
  try {
    const result = hook();
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // Observability must never cost a token.
  }
}
