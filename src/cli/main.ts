import { M2MConfigError } from '../client/config.js';
import { M2MError } from '../client/errors.js';
import { createScrubber } from '../client/scrub.js';
import { flagOption, type OptionSpecs, type ParsedArgs, parseCommandArgs, UsageError } from './args.js';
import { cliConfigMessage, configSources } from './config-errors.js';
import { CONNECTION_OPTIONS, loadCredentials } from './credentials.js';
import { EXIT, EXIT_FOR_CODE } from './exit-codes.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';
import { tokenArgument } from './input.js';
import { INSPECT_OPTIONS, inspectCommand } from './inspect.js';
import { revokeToken } from './revoke.js';
import { TOKEN_OPTIONS, tokenCommand, tuning } from './token.js';

export type Io = {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
};

const HELP: OptionSpecs = { help: { type: 'boolean', short: 'h' } };
const OPTIONS: Record<string, OptionSpecs> = {
  token: { ...TOKEN_OPTIONS, ...HELP },
  inspect: { ...INSPECT_OPTIONS, ...HELP },
  revoke: { ...CONNECTION_OPTIONS, 'allow-insecure-http': { type: 'boolean' }, ...HELP },
};
const POSITIONALS: Record<string, number> = { token: 0, inspect: 1, revoke: 1 };

/** Runs one `passflow-m2m` invocation and resolves to its exit status. */
export async function main(io: Io): Promise<number> {
  let secrets: readonly string[] = [];
  let parsed: ParsedArgs | undefined;
  try {
    const [command, ...args] = io.argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      const topic = command === 'help' ? args[0] : undefined;
      const text = `${(topic && COMMAND_HELP[topic]) || MAIN_HELP}\n`;
      // Without a command the help is a usage error: on stderr, with status 2.
      if (command === undefined) {
        io.stderr(text);
        return EXIT.usage;
      }
      io.stdout(text);
      return EXIT.ok;
    }
    const options = OPTIONS[command];
    const help = COMMAND_HELP[command];
    if (!options || !help)
      // Not echoed: a mistyped command line may hold a pasted secret.
      throw new UsageError('unknown command: expected token, inspect or revoke (see passflow-m2m --help)');
    parsed = parseCommandArgs(command, args, options, POSITIONALS[command] ?? 0);
    if (flagOption(parsed, 'help')) {
      io.stdout(`${help}\n`);
      return EXIT.ok;
    }
    if (command === 'inspect') {
      io.stdout(`${inspectCommand(parsed, await tokenArgument(parsed.positionals, io.stdin, command))}\n`);
      return EXIT.ok;
    }
    const loaded = await loadCredentials(parsed, io.env);
    const { credentials } = loaded;
    secrets = loaded.secrets;
    if (command === 'token') {
      io.stdout(`${await tokenCommand(parsed, credentials)}\n`);
      return EXIT.ok;
    }
    const token = await tokenArgument(parsed.positionals, io.stdin, command);
    await revokeToken({ ...credentials, ...tuning(parsed) }, token);
    io.stderr('passflow-m2m: token revoked\n');
    return EXIT.ok;
  } catch (error) {
    const [label, status] = classify(error);
    let message = error instanceof Error ? error.message : String(error);
    if (error instanceof M2MConfigError && parsed) message = cliConfigMessage(message, configSources(parsed));
    // Belt and braces: no code path puts the secret in a message, and none may ever print it.
    const scrub = createScrubber(secrets);
    io.stderr(`passflow-m2m: ${label}: ${oneLine(scrub(message))}\n`);
    return status;
  }
}

function classify(error: unknown): [string, number] {
  if (error instanceof M2MError) {
    return [error.code, (EXIT_FOR_CODE as Partial<Record<string, number>>)[error.code] ?? EXIT.unexpected];
  }
  if (error instanceof UsageError) return ['usage', EXIT.usage];
  if (error instanceof M2MConfigError) return ['config', EXIT.usage];
  return ['error', EXIT.unexpected];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
