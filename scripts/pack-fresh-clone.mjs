// The package as a fresh clone packs it: `git clone` of HEAD (no dist/), this checkout's node_modules
// linked in instead of a second `npm ci`, `npm pack` (its prepack script builds), and a check that the
// tarball holds every file `import`, `require`, the types and the bin need.
import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What the tarball must hold for `import`, `require`, the types and the bin to work. */
const REQUIRED_FILES = [
  'package.json',
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
  'dist/redis.js',
  'dist/redis.cjs',
  'dist/redis.d.ts',
  'dist/redis.d.cts',
  'dist/verify.js',
  'dist/verify.cjs',
  'dist/verify.d.ts',
  'dist/verify.d.cts',
  'dist/cli.js',
  'openapi/passflow-m2m.yaml',
];

/**
 * `npm pack` in a fresh clone of `repoRoot`'s HEAD that was never built; resolves to the tarball's path.
 * `exec(command, args, cwd)` runs a command and resolves to its stdout.
 */
export async function packFreshClone(repoRoot, workDir, exec) {
  const clone = join(workDir, 'clone');
  await exec('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone], workDir);
  const commit = (await exec('git', ['rev-parse', '--short', 'HEAD'], clone)).trim();
  if (existsSync(join(clone, 'dist'))) throw new Error('the fresh clone already has dist/');
  await symlink(join(repoRoot, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const packDir = join(workDir, 'pack');
  await mkdir(packDir);
  await exec(npm, ['pack', '--loglevel=error', '--pack-destination', packDir], clone);
  const [name] = (await readdir(packDir)).filter((file) => file.endsWith('.tgz'));
  if (!name) throw new Error('npm pack wrote no tarball');
  const tarball = join(packDir, name);
  const files = (await exec('tar', ['-tzf', tarball], workDir))
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));
  const missing = REQUIRED_FILES.filter((file) => !files.includes(file));
  if (missing.length > 0)
    throw new Error(`${name} lacks ${missing.join(', ')}; it holds ${files.join(', ')}`);
  console.log(`packed ${name} from a fresh clone of ${commit} (built by prepack): ${files.join(', ')}`);
  return tarball;
}
