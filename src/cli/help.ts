import { exitCodeTable } from './exit-codes.js';

const CONNECTION = `Connection (every option may come from the environment instead):
  --url <url>                 server URL                    (PASSFLOW_URL)
  --client-id <id>            M2M application client id     (M2M_CLIENT_ID)
  --client-secret-file <path> file holding the client secret (M2M_CLIENT_SECRET_FILE,
                              or the secret itself in M2M_CLIENT_SECRET)
  --auth-method <method>      how the client authenticates   (M2M_AUTH_METHOD):
                                post              client_secret_post (default)
                                basic             client_secret_basic
                                client-secret-jwt an HS256 assertion over the client secret
                                private-key-jwt   an assertion signed with a private key
  --private-key-file <path>   private-key-jwt: PKCS#8 PEM file (M2M_PRIVATE_KEY_FILE)
  --private-key-id <kid>      private-key-jwt: the key's id  (M2M_PRIVATE_KEY_ID)
  --timeout <ms>              per-attempt timeout (default 10000)
  --retries <n>               retries after the first attempt (default 3)
  --allow-insecure-http       allow a plain http:// URL to a host other than localhost,
                              127.0.0.0/8 or [::1]; the secret then crosses the network in clear
The client secret and the private key are never accepted as arguments and never printed.`;

const EXIT_CODES = `Exit status:
${exitCodeTable()}
Errors are one line on stderr: "passflow-m2m: <code>: <message>".`;

export const MAIN_HELP = `Usage: passflow-m2m <command> [options]

OAuth 2.0 client credentials (RFC 6749 §4.4) for Passflow, from the shell.

Commands:
  token     request an access token and print it
  inspect   print the decoded claims of an access token and when it expires
  revoke    revoke an access token (RFC 7009)

Run "passflow-m2m <command> --help" for the options of a command.

Examples:
  export PASSFLOW_URL=https://auth.yourapp.com M2M_CLIENT_ID=svc M2M_CLIENT_SECRET_FILE=/run/secrets/m2m
  curl -H "Authorization: Bearer $(passflow-m2m token --scope users:read)" https://api.yourapp.com/users
  passflow-m2m token | passflow-m2m inspect

${EXIT_CODES}`;

export const COMMAND_HELP: Record<string, string> = {
  token: `Usage: passflow-m2m token [options]

Requests an access token and prints it alone on stdout, for $(passflow-m2m token).

Options:
  --scope <scope>       scope to request; repeat it or separate scopes with spaces
  --audience <uri>      audience to request; repeatable
  --resource <uri>      target resource server (RFC 8707)
  --json                print the whole token response as JSON instead
  -h, --help            this help

${CONNECTION}

${EXIT_CODES}`,
  inspect: `Usage: passflow-m2m inspect [token]

Prints the decoded claims of an access token (given as the argument, or on stdin) and when it
expires, e.g. "expires in 59 min (2026-11-27T19:30:00.000Z)". The signature is not verified and no
credentials are needed.

Options:
  --json                print the claims as JSON instead
  -h, --help            this help

${EXIT_CODES}`,
  revoke: `Usage: passflow-m2m revoke [token]

Revokes an access token (given as the argument, or on stdin) at {url}/oauth2/revoke (RFC 7009).
The server answers success also for a token it does not know (RFC 7009 §2.2).

Options:
  -h, --help            this help

${CONNECTION}

${EXIT_CODES}`,
};
