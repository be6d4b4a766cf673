// The libraries of the peer comparison, each set up the way its documentation shows, and the ways each
// obtains one fresh token. Shared by bench/peers.ts and its child processes.
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import * as oidc from 'openid-client';
import { ClientCredentials } from 'simple-oauth2';
import { M2MClient } from '../src/index.js';
import { rawTokenPost } from './support.js';

export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-secret';

/** The baseline every library is compared with: the token request written by hand. */
export const RAW_FETCH = 'raw fetch POST';
export const RAW_FETCH_WITH_TIMEOUT = 'raw fetch POST + timeout signal';
export const OURS = '@passflow/core';

/** One fresh token per call, as the library obtains it (ours with forceRefresh: true). */
export type FreshToken = () => Promise<unknown>;

/** Every way of getting a fresh token from the server at `url`, by name. */
export function freshTokenContenders(url: string): Map<string, FreshToken> {
  const tokenUrl = `${url}/oauth2/token`;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  }).toString();
  // The baseline: the request written by hand, with the form serialized once; and what a per-request
  // timeout costs by itself: an AbortController and a timer per request.
  const raw: FreshToken = rawTokenPost(tokenUrl, form);
  const rawWithTimeout: FreshToken = rawTokenPost(tokenUrl, form, 10_000);
  const ours = new M2MClient({ url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const oidcConfig = openidConfig(url);
  const simple = simpleClient(url);
  const badgateway = badgatewayClient(url);
  return new Map<string, FreshToken>([
    [RAW_FETCH, raw],
    [RAW_FETCH_WITH_TIMEOUT, rawWithTimeout],
    [OURS, () => ours.getToken({ forceRefresh: true })],
    ['openid-client', () => oidc.clientCredentialsGrant(oidcConfig)],
    ['simple-oauth2', () => simple.getToken({})],
    ['@badgateway/oauth2-client', () => badgateway.clientCredentials()],
  ]);
}

export function openidConfig(url: string): oidc.Configuration {
  const config = new oidc.Configuration(
    { issuer: url, token_endpoint: `${url}/oauth2/token` },
    CLIENT_ID,
    CLIENT_SECRET,
  );
  oidc.allowInsecureRequests(config);
  return config;
}

export function simpleClient(url: string): ClientCredentials {
  return new ClientCredentials({
    client: { id: CLIENT_ID, secret: CLIENT_SECRET },
    auth: { tokenHost: url, tokenPath: '/oauth2/token' },
    options: { authorizationMethod: 'body' },
  });
}

export function badgatewayClient(url: string): OAuth2Client {
  return new OAuth2Client({
    server: url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    tokenEndpoint: '/oauth2/token',
    authenticationMethod: 'client_secret_post',
  });
}

export function badgatewayFetch(client: OAuth2Client): OAuth2Fetch {
  return new OAuth2Fetch({ client, getNewToken: () => client.clientCredentials(), scheduleRefresh: false });
}
