import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SPEC } from '../../scripts/prism.mjs';

// `generate:check` is what keeps src/generated/ in step with openapi/ in CI.

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');

async function generateCheck(specPath: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['scripts/generate.mjs', '--check', specPath], { cwd: repoRoot });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    return { code: failure.code ?? -1, stderr: failure.stderr ?? '' };
  }
}

describe('npm run generate:check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passflow-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes for the committed document', async () => {
    const result = await generateCheck(DEFAULT_SPEC);
    expect(result.code, result.stderr).toBe(0);
  });

  it('fails for a changed document that was not regenerated', async () => {
    const original = await readFile(DEFAULT_SPEC, 'utf8');
    const anchor = '        resource:\n          type: string\n          format: uri\n';
    expect(original).toContain(anchor);
    // A new optional request field, as a server team would add one.
    const changed = original.replace(
      anchor,
      `${anchor}        device_id:\n          type: string\n          minLength: 1\n`,
    );
    const changedPath = join(dir, 'passflow-m2m.yaml');
    await writeFile(changedPath, changed);
    const result = await generateCheck(changedPath);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('src/generated/schema.ts is stale');
  });
});
