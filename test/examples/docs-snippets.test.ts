import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as verifyEntry from '../../src/verify/index.js';

// docs/verify.md shows code that `npm run typecheck` checks: every line of its TypeScript blocks is a
// line of examples/express-middleware.ts (which runs) or examples/snippets/verify.ts, and every name it
// imports from @passflow/core/verify is exported there.

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');
const normalise = (line: string) => line.trim().replace(/^export /, '');

describe('docs/verify.md', () => {
  const blocks = [...read('docs/verify.md').matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const checked = new Set(
    [read('examples/express-middleware.ts'), read('examples/snippets/verify.ts')].flatMap((text) =>
      text.split('\n').map(normalise),
    ),
  );

  it('has code blocks, each of them type-checked in examples/', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) {
      for (const line of block.split('\n').map(normalise)) {
        if (line === '' || line.startsWith('import ')) continue;
        expect(checked, line).toContain(line);
      }
    }
  });

  it('imports only what @passflow/core/verify exports', () => {
    const imported = blocks
      .flatMap((block) => [...block.matchAll(/import (?:type )?\{([^}]*)\} from '@passflow\/core\/verify'/g)])
      .flatMap((m) => (m[1] ?? '').split(',').map((name) => name.trim().replace(/^type /, '')));
    expect(imported.length).toBeGreaterThan(0);
    const types = ['VerifiedM2MTokenClaims', 'M2MMiddlewareRequest'];
    for (const name of imported) expect([...Object.keys(verifyEntry), ...types], name).toContain(name);
  });
});
