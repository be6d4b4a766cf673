import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when the module is the script node (or tsx) was asked to run, not an import. */
export function isMain(meta: ImportMeta): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(meta.url);
}
