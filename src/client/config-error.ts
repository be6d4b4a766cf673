/**
 * Thrown by `new M2MClient(config)` for a configuration it cannot use. The message starts with the
 * field (`M2MClientConfig.url must use https: …`) and never quotes the client secret or a private key,
 * even one given in the wrong field. A `TypeError`.
 */
export class M2MConfigError extends TypeError {
  /** Always `'M2MConfigError'`. */
  override readonly name = 'M2MConfigError';
}

/** Throws the configuration error of `field`: "M2MClientConfig.<field> <problem>". */
export function fail(field: string, problem: string): never {
  throw new M2MConfigError(`M2MClientConfig.${field} ${problem}`);
}

/** Refuses anything but a string with something other than white space in it. */
export function requireString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'must be a non-empty string');
}
