import { UsageError } from './args.js';

/**
 * The token a command works on: its argument, or stdin when there is none (or it is "-"), so that
 * `passflow-m2m token | passflow-m2m inspect` works and the token stays out of the process list.
 */
export async function tokenArgument(
  positionals: string[],
  stdin: NodeJS.ReadStream,
  command: string,
): Promise<string> {
  const argument = positionals[0];
  if (argument !== undefined && argument !== '-') {
    const token = argument.trim();
    // An unset variable in `revoke "$TOKEN"` must not pass for a successful revocation.
    if (token === '') throw new UsageError(`${command} got an empty token as its argument`);
    return token;
  }
  if (stdin.isTTY) throw new UsageError(`${command} needs a token as its argument or on stdin`);
  let text = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) text += chunk;
  const token = text.trim();
  if (token === '') throw new UsageError(`${command} got an empty token on stdin`);
  return token;
}
