import { M2MError, M2MErrorCode } from './errors.js';

/**
 * Reads the client secret where it is kept: a vault, a mounted file, the environment. Called lazily,
 * on the first token request, and again after `clearCache()` or a refused secret.
 */
export type ClientSecretProvider = () => string | Promise<string>;

/** The `clientSecret` option: the secret itself, or a {@link ClientSecretProvider}. */
export type ClientSecret = string | ClientSecretProvider;

/** How many earlier values are remembered after a rotation, so that a server echoing one is still scrubbed. */
const REMEMBERED_VALUES = 3;

/**
 * The client secret as the token path uses it: read once and kept, one read shared by concurrent
 * callers, read again after `forget()` or when the server refused the value in use.
 */
export class SecretSource {
  readonly #provider: ClientSecretProvider | undefined;
  #value: string | undefined;
  #reading: Promise<string> | undefined;
  /** Bumped by forget(): a read that started before it is handed to its callers, not kept. */
  #generation = 0;
  /** The values held before, newest first, for scrubbing what servers send back; only once rotated. */
  #previous: string[] | undefined;

  constructor(secret: ClientSecret) {
    if (typeof secret === 'function') this.#provider = secret;
    else this.#value = secret;
  }

  /** True when the secret comes from a provider and may change. */
  get rotates(): boolean {
    return this.#provider !== undefined;
  }

  /**
   * The secret to send: the kept value, or the provider's, read once for all concurrent callers.
   * @throws M2MError `invalid_client`, status 0, when the provider fails (its error is the cause)
   */
  current(): Promise<string> {
    return this.#value !== undefined ? Promise.resolve(this.#value) : this.#read();
  }

  /**
   * After the server refused `used` as `invalid_client`: the secret once more, or undefined when it
   * is still `used` (the request is then not worth repeating). Callers refused together share one read,
   * and a value another caller already read meanwhile is taken without reading again.
   */
  async reread(used: string): Promise<string | undefined> {
    if (!this.#provider) return undefined;
    const fresh = this.#value !== undefined && this.#value !== used ? this.#value : await this.#read();
    return fresh === used ? undefined : fresh;
  }

  /** `clearCache()`: the next request reads the secret again. */
  forget(): void {
    if (!this.#provider) return;
    this.#generation++;
    this.#remember(this.#value);
    this.#value = undefined;
    this.#reading = undefined;
  }

  /** The current value and the few before it, newest first, for scrubbing what servers send back. */
  known(): readonly string[] {
    const previous = this.#previous ?? [];
    return this.#value === undefined ? previous : [this.#value, ...previous.filter((v) => v !== this.#value)];
  }

  #read(): Promise<string> {
    if (this.#reading) return this.#reading;
    const provider = this.#provider as ClientSecretProvider;
    const generation = this.#generation;
    const reading = Promise.resolve()
      .then(provider)
      .then(checkValue, (error: unknown) => {
        throw new M2MError({
          code: M2MErrorCode.InvalidClient,
          status: 0,
          message:
            'Reading the client secret failed: the clientSecret provider threw (its error is the cause)',
          cause: error,
        });
      })
      .then((value) => {
        if (generation === this.#generation) this.#keep(value);
        return value;
      })
      .finally(() => {
        if (this.#reading === reading) this.#reading = undefined;
      });
    this.#reading = reading;
    return reading;
  }

  #keep(value: string): void {
    if (this.#value !== value) this.#remember(this.#value);
    this.#value = value;
  }

  #remember(value: string | undefined): void {
    if (value === undefined || this.#previous?.[0] === value) return;
    this.#previous = [value, ...(this.#previous ?? []).filter((v) => v !== value)].slice(
      0,
      REMEMBERED_VALUES,
    );
  }
}

function checkValue(value: unknown): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new M2MError({
    code: M2MErrorCode.InvalidClient,
    status: 0,
    message: `Reading the client secret failed: the clientSecret provider returned ${
      typeof value === 'string' ? 'an empty string' : `a ${value === null ? 'null' : typeof value}`
    } instead of a non-empty string`,
  });
}
