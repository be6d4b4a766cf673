import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { DEFAULT_SPEC } from '../../scripts/prism.mjs';

/** The parts of the OpenAPI document the contract tests read. */
export type OpenApiDocument = {
  paths: Record<string, Partial<Record<'get' | 'post', { responses: Record<string, unknown> }>>>;
  components: Record<string, Record<string, unknown>>;
};

export const spec = YAML.parse(readFileSync(DEFAULT_SPEC, 'utf8')) as OpenApiDocument;

export type OperationPath = '/oauth2/token' | '/oauth2/revoke';
export type DiscoveryPath = '/.well-known/jwks.json' | '/.well-known/oauth-authorization-server';

/** The HTTP statuses the document defines for the POST operation of `path` (or GET of a discovery path). */
export function definedStatuses(path: OperationPath | DiscoveryPath): number[] {
  const method = path.startsWith('/.well-known/') ? 'get' : 'post';
  const responses = spec.paths[path]?.[method]?.responses;
  if (!responses) throw new Error(`the spec defines no ${method.toUpperCase()} ${path}`);
  return Object.keys(responses).map(Number);
}

/** Follows a local `$ref` ("#/components/...") to the object it names. */
export function resolveRef<T>(node: unknown): T {
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref !== 'string') return node as T;
  let target: unknown = spec;
  for (const segment of ref.replace(/^#\//, '').split('/')) {
    target = (target as Record<string, unknown>)[segment];
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return resolveRef<T>(target);
}

/** The property names a request body schema allows. */
export function schemaProperties(schemaName: 'TokenRequest' | 'RevocationRequest'): string[] {
  const schema = spec.components.schemas?.[schemaName] as { properties: Record<string, unknown> };
  return Object.keys(schema.properties);
}

/** The `access_token` of the 200 example of the token operation: a JWT. */
export function exampleAccessToken(): string {
  const ok = spec.paths['/oauth2/token']?.post?.responses['200'] as {
    content: { 'application/json': { examples: Record<string, { value: { access_token: string } }> } };
  };
  const [example] = Object.values(ok.content['application/json'].examples);
  if (!example) throw new Error('the token operation has no 200 example');
  return example.value.access_token;
}
