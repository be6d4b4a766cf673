import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

type Run = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function start(command: string, args: string[]): Run {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolveExit) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveExit(code);
    }),
  );
  return { child, output: () => output, exited };
}

function portIsClosed(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveCheck) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolveCheck(false);
    });
    socket.once('error', () => resolveCheck(true));
  });
}

function serverUrl(output: string): string {
  const url = /Authorization server: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  if (!url) throw new Error(`no server URL in the demo output:\n${output}`);
  return url;
}

describe('npm run demo', () => {
  it('runs the quick start end to end against a local server it starts and stops', async () => {
    const run = start('npm', ['run', '-s', 'demo']);
    expect(await run.exited).toBe(0);
    const output = run.output();
    expect(output).toMatch(/1\. Create a client and request an access token[\s\S]*token_type +Bearer/);
    expect(output).toMatch(/expires_in +3600 s/);
    expect(output).toMatch(/2\. Ask again[\s\S]*same token +yes\n +requests +1\n/);
    expect(output).toMatch(/3\. Decode the token claims[\s\S]*scopes +users:read orders:write/);
    expect(output).toMatch(/tenant_id +tenant_01HZX3K8/);
    expect(output).toMatch(/4\. Scopes[\s\S]*requests +2\n[\s\S]*requests +3\n/);
    expect(output).toMatch(/5\. Revoke[\s\S]*cached now +null/);
    expect(output).toMatch(/6\. An error[\s\S]*M2MError +invalid_client \(HTTP 401\)/);
    expect(output).not.toContain('a-wrong-secret');
    expect(output).not.toContain('your-client-secret');
    expect(output).toContain('Stopped the local authorization server.');
    expect(await portIsClosed(serverUrl(output))).toBe(true);
  });

  it('stops the server when interrupted', async () => {
    const run = start(process.execPath, ['--import', 'tsx', 'scripts/demo.ts']);
    for (let i = 0; i < 600 && !/Authorization server: /.test(run.output()); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    run.child.kill('SIGINT');
    const code = await run.exited;
    const output = run.output();
    // Interrupted mid-run (130), or, on a fast machine, already through: either way, no server is left.
    expect([0, 130]).toContain(code);
    expect(await portIsClosed(serverUrl(output))).toBe(true);
  });
});
