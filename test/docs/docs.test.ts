// The user guide (docs/) and the README as a reader meets them: every link leads somewhere, every
// TypeScript example type-checks as printed, one set of environment variable names, and the API
// reference covers every entry point of the package.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoTempDir } from '../support/process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** A page whose code blocks a test of its own type-checks (test/examples/docs-snippets.test.ts). */
const PAGES_CHECKING_THEIR_OWN_CODE = ['docs/verify.md'];

async function markdownFiles(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  return ['README.md', 'examples/README.md', ...docs];
}

const read = (file: string) => readFile(join(ROOT, file), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const outsideCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set(
    [...outsideCode.matchAll(/^#{1,6} (.+)$/gm)].map(([, title]) =>
      (title ?? '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

describe('the user guide', () => {
  it('has the pages its index lists, and the README links to it', async () => {
    const index = await read('docs/README.md');
    const pages = [...index.matchAll(/\]\(([\w-]+\.md)\)/g)].map(([, page]) => `docs/${page}`);
    expect(pages.length).toBeGreaterThanOrEqual(11);
    for (const page of pages) expect(existsSync(join(ROOT, page)), page).toBe(true);
    expect(await read('README.md')).toContain('](docs/README.md)');
  });

  it('every relative link and anchor in README, examples/README and docs/ resolves', async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = (await read(file)).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^(https?:|mailto:)/.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const resolved = path === '' ? file : relative(ROOT, resolve(ROOT, dirname(file), path));
        if (!existsSync(join(ROOT, resolved))) {
          broken.push(`${file}: ${target}`);
        } else if (anchor && resolved.endsWith('.md') && !anchorsOf(await read(resolved)).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('TypeScript examples in README.md and docs/', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each type-checks as printed, as a module of its own', async () => {
    dir = await repoTempDir('docs-snippets-');
    const files: string[] = [];
    // examples/README.md has no code.
    const checked = (await markdownFiles()).filter(
      (f) => f !== 'examples/README.md' && !PAGES_CHECKING_THEIR_OWN_CODE.includes(f),
    );
    for (const file of checked) {
      const blocks = [...(await read(file)).matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)];
      for (const [index, [, code]] of blocks.entries()) {
        const name = `${file.replace(/\W+/g, '_')}-${index + 1}.ts`;
        await writeFile(join(dir, name), code ?? '');
        files.push(name);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(15);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: ['*.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
  });
});

describe('one set of environment variable names', () => {
  /** The product guide's names, the secret file beside them, the CLI's key options, and the contract kit's own. */
  const NAMES = new Set([
    'PASSFLOW_URL',
    'M2M_CLIENT_ID',
    'M2M_CLIENT_SECRET',
    'M2M_CLIENT_SECRET_FILE',
    // The command line's client authentication beyond the secret (docs/credentials.md).
    'M2M_AUTH_METHOD',
    'M2M_PRIVATE_KEY_FILE',
    'M2M_PRIVATE_KEY_ID',
    'M2M_CONTRACT_SCOPES',
    'M2M_CONTRACT_DISALLOWED_SCOPE',
    'M2M_CONTRACT_AUDIENCE',
  ]);

  async function sources(dir: string, ext: RegExp): Promise<string[]> {
    const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && ext.test(entry.name))
      .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
  }

  it('README, docs, examples, the CLI, the contract kit and CI use only those', async () => {
    const files = [
      ...(await markdownFiles()),
      ...(await sources('examples', /\.ts$/)),
      ...(await sources('src/cli', /\.ts$/)),
      ...(await sources('contract', /\.ts$/)),
      ...(await sources('.ci', /./)),
    ];
    const found = new Map<string, string>();
    for (const file of files) {
      // A GitHub Actions secret's name (secrets.X) is the repository's choice, not a variable we read.
      for (const [name] of (await read(file)).matchAll(/(?<!secrets\.)\b(?:PASSFLOW|M2M)_[A-Z0-9_]+\b/g)) {
        if (!NAMES.has(name)) found.set(name, file);
      }
    }
    expect(Object.fromEntries(found)).toEqual({});
  });
});

describe('the API reference', () => {
  it('documents every entry point package.json exports with types', async () => {
    const pkg = JSON.parse(await read('package.json')) as { exports: Record<string, unknown> };
    const typedoc = JSON.parse(await read('typedoc.json')) as { entryPoints: string[] };
    const typed = Object.entries(pkg.exports)
      .filter(([, target]) => typeof target === 'object' && JSON.stringify(target).includes('"types"'))
      .map(([subpath]) => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}/index.ts`));
    expect(typed).toContain('src/redis/index.ts');
    expect([...typedoc.entryPoints].sort()).toEqual(typed.sort());
    expect(await read('.gitignore')).toMatch(/^docs\/api\/$/m);
  });
});
