// Child processes for tests and runners: the CLI, the demo, the contract kit, the examples. Output is
// collected, the process is killed after `timeoutMs`, and `exited` resolves with the exit code.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A fresh folder under the repository's .tmp/ (git-ignored, created when missing, as in a fresh clone):
 * inside the repository so that code placed there resolves node_modules.
 */
export async function repoTempDir(prefix: string): Promise<string> {
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  return mkdtemp(join(ROOT, '.tmp', prefix));
}

export type ProcessResult = { code: number | null; stdout: string; stderr: string };

export type RunningProcess = {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output: () => string;
  exited: Promise<ProcessResult>;
};

export type ProcessOptions = {
  cwd?: string;
  /** The whole environment of the child (nothing is inherited unless passed). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  stdin?: string;
  timeoutMs?: number;
};

export function startProcess(command: string, args: string[], options: ProcessOptions = {}): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    output += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const exited = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  child.stdin.end(options.stdin ?? '');
  return { child, output: () => output, exited };
}

export function runProcess(
  command: string,
  args: string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  return startProcess(command, args, options).exited;
}
