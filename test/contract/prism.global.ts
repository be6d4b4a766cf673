import type { TestProject } from 'vitest/node';
import { startPrism } from '../../scripts/prism.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the Prism mock of openapi/passflow-m2m.yaml shared by the contract tests. */
    prismUrl: string;
  }
}

/** One Prism mock for the whole run, started from the same document the bindings are generated from. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prism = await startPrism();
  project.provide('prismUrl', prism.url);
  return () => prism.stop();
}
