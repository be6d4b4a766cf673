import { connect } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunningProcess, startProcess } from '../support/process.js';

const ROOT = resolve(import.meta.dirname, '../..');

function start(command: string, args: string[]): RunningProcess {
  return startProcess(command, args, { cwd: ROOT, env: process.env, timeoutMs: 60_000 });
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
    expect((await run.exited).code).toBe(0);
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
    const { code } = await run.exited;
    const output = run.output();
    // Interrupted mid-run (130), or, on a fast machine, already through: either way, no server is left.
    expect([0, 130]).toContain(code);
    expect(await portIsClosed(serverUrl(output))).toBe(true);
  });
});
