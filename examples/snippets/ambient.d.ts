// Minimal declarations of the third-party packages the guide's snippets import but this project does
// not install, so that those snippets type-check as written.

declare module '@aws-sdk/client-secrets-manager' {
  export class SecretsManager {
    constructor(config: { region: string });
    getSecretValue(input: { SecretId: string }): Promise<{ SecretString?: string }>;
  }
}

declare module 'client-oauth2' {
  export default class ClientOAuth2 {
    constructor(options: { clientId: string; clientSecret: string; accessTokenUri: string });
    credentials: { getToken(): Promise<{ accessToken: string }> };
  }
}
