import { parseArgs } from 'node:util';

/** A mistake in how the command was called: reported with exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };
export type OptionSpecs = Record<string, OptionSpec>;
export type ParsedArgs = {
  values: Map<string, string | boolean | string[]>;
  positionals: string[];
};

/** Options that would put a credential on the command line, and where the credential goes instead. */
const SECRETS_ON_ARGV: Record<string, string> = {
  '--client-secret': 'Set M2M_CLIENT_SECRET or M2M_CLIENT_SECRET_FILE, or pass --client-secret-file <path>',
  '--private-key': 'Set M2M_PRIVATE_KEY_FILE, or pass --private-key-file <path>',
};

/**
 * Parses one command's arguments with node:util parseArgs. Errors name the option but never echo an
 * argument's value: a secret pasted in the wrong place must not reach the terminal or a CI log.
 * `help` is the command line that shows the command's help, as errors point to it.
 */
export function parseCommandArgs(
  command: string,
  args: string[],
  options: OptionSpecs,
  maxPositionals: number,
  help = `passflow-m2m ${command} --help`,
): ParsedArgs {
  // Read from the raw arguments: parsing may have taken `--client-secret` as another option's value.
  for (const [option, instead] of Object.entries(SECRETS_ON_ARGV)) {
    if (args.some((arg) => arg === option || arg.startsWith(`${option}=`))) {
      throw new UsageError(
        `${option} is not accepted: a credential on the command line is visible to other users and kept in shell history. ${instead}`,
      );
    }
  }
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string | boolean | string[]>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) throw new UsageError(`unknown option ${token.rawName} (see ${help})`);
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`${token.rawName} takes no value`);
      values.set(token.name, true);
      continue;
    }
    // As parseArgs' strict mode: `--scope --json` is a missing value, not the scope "--json"; a value
    // that starts with a dash is given inline (`--scope=-x`).
    if (
      token.value === undefined ||
      token.value === '' ||
      (!token.inlineValue && token.value.startsWith('-'))
    )
      throw new UsageError(`${token.rawName} needs a value`);
    if (spec.multiple) {
      const list = values.get(token.name);
      values.set(token.name, [...(Array.isArray(list) ? list : []), token.value]);
    } else {
      values.set(token.name, token.value);
    }
  }
  if (positionals.length > maxPositionals) {
    throw new UsageError(
      maxPositionals === 0
        ? `${command} takes no arguments (see ${help})`
        : `${command} takes at most ${maxPositionals} argument (see ${help})`,
    );
  }
  return { values, positionals };
}

export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function listOption(parsed: ParsedArgs, name: string): string[] {
  const value = parsed.values.get(name);
  return Array.isArray(value) ? value.flatMap((item) => item.split(/\s+/).filter(Boolean)) : [];
}

export function flagOption(parsed: ParsedArgs, name: string): boolean {
  return parsed.values.get(name) === true;
}

export function integerOption(parsed: ParsedArgs, name: string, min: number): number | undefined {
  const raw = stringOption(parsed, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be a whole number >= ${min}`);
  }
  return value;
}
