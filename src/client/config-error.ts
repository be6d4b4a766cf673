/** A configuration the constructor refuses; the message names the field and never quotes a credential. */
export class M2MConfigError extends TypeError {
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
