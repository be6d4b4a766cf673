// The user guide's TypeScript snippets are kept, as printed, in examples/snippets/, where
// `npm run typecheck` checks them against the package: a snippet edited on one side only fails here.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** The lines of a snippet that a type-checked copy must hold in order: trimmed, imports left out. */
function significantLines(code: string): string[] {
  return code
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('import '));
}

/** The ```typescript blocks of a Markdown page. */
function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```typescript\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

function containsInOrder(haystack: string[], needle: string[]): boolean {
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (needle.every((line, i) => haystack[start + i] === line)) return true;
  }
  return false;
}

/** The part of a page under `heading`, up to the next heading of the same level; the whole page without one. */
function section(markdown: string, heading: string | undefined): string {
  if (!heading) return markdown;
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const level = heading.split(' ')[0];
  const end = markdown.indexOf(`\n${level} `, start + heading.length + 2);
  return markdown.slice(start, end < 0 ? undefined : end);
}

describe.each([
  ['docs/credentials.md', undefined, 'examples/snippets/credentials.ts', 4],
  ['README.md', '## Client credentials', 'examples/snippets/credentials.ts', 2],
])('%s %s', (page, heading, copy, count) => {
  it(`every snippet is in ${copy}, line for line`, async () => {
    const blocks = typescriptBlocks(section(await readFile(join(ROOT, page), 'utf8'), heading));
    const checked = significantLines(await readFile(join(ROOT, copy), 'utf8'));
    expect(blocks).toHaveLength(count);
    for (const block of blocks) expect(containsInOrder(checked, significantLines(block)), block).toBe(true);
  });

  it('the check fails for a snippet that differs by one line', () => {
    const checked = significantLines('const a = 1;\nconst b = 2;\nconst c = 3;');
    expect(containsInOrder(checked, significantLines('const a = 1;\nconst b = 2;'))).toBe(true);
    expect(containsInOrder(checked, significantLines('const a = 1;\nconst b = 3;'))).toBe(false);
  });
});
