/**
 * Removes secrets from text a server (or a proxy in front of it) sent back. A server that echoes the
 * request returns the secret in the form it travelled in, or in one it turned it into: clear,
 * percent-encoded (in any letter case, even twice), form-encoded with `+` for a space (RFC 6749
 * §2.3.1), JSON- or HTML-escaped, as UTF-8 read as Latin-1 (a header), or inside the base64 of an
 * HTTP Basic `id:secret` (RFC 7617 §2, with id and secret form-encoded first). Every form is matched
 * character by character, so a text that mixes them is caught too.
 */
export type Scrub = (text: string) => string;

/** What replaces a secret. */
export const REDACTED = '[redacted]';

/** The scrubber of no secrets: returns its text as it is. */
export const keepText: Scrub = (text) => text;

/**
 * Masking a shorter secret would garble messages and tell its value by where the masks fall; a
 * secret that short protects nothing anyway.
 */
const MIN_SECRET_LENGTH = 4;
/** A base64 run is masked when it holds at least this many characters that only the secret decides. */
const MIN_BASE64_CORE = 4;
/** Characters of a base64 or base64url run, with their percent- and JSON-escaped forms' characters. */
const BASE64_RUN = /[A-Za-z0-9+/_=%\\-]/;

/**
 * A scrubber of `secrets` (the client secret today; a rotated one or a signing key tomorrow). The
 * patterns are built on first use, so a client that never fails never pays for them; without a
 * secret worth masking the result is {@link keepText}.
 */
export function createScrubber(secrets: readonly (string | undefined)[]): Scrub {
  const masked = [...new Set(secrets)].filter(
    (secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH,
  );
  if (masked.length === 0) return keepText;
  let patterns: { text: RegExp; base64: RegExp | undefined } | undefined;
  return (text) => {
    if (text.length < MIN_SECRET_LENGTH) return text;
    patterns ??= compile(masked);
    return mask(text, patterns.text, patterns.base64);
  };
}

function compile(secrets: readonly string[]): { text: RegExp; base64: RegExp | undefined } {
  const text = secrets.map((secret) => [...secret].map(anyFormOf).join(''));
  const cores = new Set(secrets.flatMap(base64Cores));
  const base64 = [...cores].map((core) => [...core].map(base64CharOf).join(''));
  return {
    text: new RegExp(text.join('|'), 'g'),
    base64: base64.length > 0 ? new RegExp(base64.join('|'), 'g') : undefined,
  };
}

/** Masks every match; a base64 match takes its whole run with it (the rest of a Basic credential). */
function mask(text: string, textPattern: RegExp, base64Pattern: RegExp | undefined): string {
  const spans: [number, number][] = [];
  for (const match of text.matchAll(textPattern)) spans.push([match.index, match.index + match[0].length]);
  if (base64Pattern) {
    let runEnd = 0;
    for (const match of text.matchAll(base64Pattern)) {
      // Every later match in a run already taken is inside it: each run is walked once.
      if (match.index < runEnd) continue;
      let start = match.index;
      runEnd = start + match[0].length;
      while (start > 0 && BASE64_RUN.test(text.charAt(start - 1))) start--;
      while (runEnd < text.length && BASE64_RUN.test(text.charAt(runEnd))) runEnd++;
      spans.push([start, runEnd]);
    }
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let result = '';
  let from = 0;
  for (const [start, end] of spans) {
    if (end <= from) continue;
    if (start >= from) result += `${text.slice(from, start)}${REDACTED}`;
    from = end;
  }
  return result + text.slice(from);
}

/** One character of a secret, in every form the wire, a JSON body or an HTML page may give it. */
function anyFormOf(char: string): string {
  const forms = new Set<string>([caseless(char)]);
  const bytes = new TextEncoder().encode(char);
  forms.add([...bytes].map((byte) => `%(?:25)?${hexOf(byte, 2)}`).join(''));
  const code = char.codePointAt(0) ?? 0;
  if (code >= 0x80 && code <= 0xff) forms.add(`%(?:25)?${hexOf(code, 2)}`);
  // Its UTF-8 bytes read as Latin-1, as fetch reads a header a server wrote in UTF-8.
  if (code >= 0x80) forms.add(escapeRegExp(String.fromCharCode(...bytes)));
  // A space form-encoded as `+`, and that `+` percent-encoded once more.
  if (char === ' ') forms.add('\\+').add('%2[bB]');
  const units = Array.from({ length: char.length }, (_, i) => char.charCodeAt(i));
  forms.add(units.map((unit) => `\\\\u${hexOf(unit, 4)}`).join(''));
  const named = JSON_ESCAPES[char];
  if (named) forms.add(escapeRegExp(named));
  forms.add(`&#(?:0*${code}|[xX]0*${hexOf(code, 1)});?`);
  const entity = HTML_ENTITIES[char];
  if (entity) forms.add(entity);
  return `(?:${[...forms].join('|')})`;
}

const JSON_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** A letter in either case (a server may upper-case what it echoes); anything else as itself. */
function caseless(char: string): string {
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  if (lower === upper) return escapeRegExp(char);
  return lower.length === 1 && upper.length === 1 ? `[${lower}${upper}]` : `(?:${lower}|${upper})`;
}

/** `value` as hex digits (at least `width`), each matching either case. */
function hexOf(value: number, width: number): string {
  return [...value.toString(16).padStart(width, '0')].map(caseless).join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * The base64 characters that only the secret decides, wherever it starts in the encoded bytes: a
 * secret preceded by k bytes (k = 0, 1, 2 modulo 3) is encoded differently, so each alignment has its
 * own core. Computed for the secret as it is, form-encoded (RFC 6749 §2.3.1) and percent-encoded, in
 * base64 and base64url.
 */
function base64Cores(secret: string): string[] {
  const encodings = new Set([secret, formEncode(secret), encodeURIComponent(secret)]);
  const cores: string[] = [];
  for (const encoding of encodings) {
    const bytes = new TextEncoder().encode(encoding);
    for (let offset = 0; offset < 3; offset++) {
      const aligned = new Uint8Array(offset + bytes.length);
      aligned.set(bytes, offset);
      const encoded = btoa(String.fromCharCode(...aligned));
      const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * aligned.length) / 6));
      if (core.length >= MIN_BASE64_CORE) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return cores;
}

/** A base64 character, also percent-encoded or (for `/`) JSON-escaped. */
function base64CharOf(char: string): string {
  if (char === '+') return '(?:\\+|%2[bB])';
  if (char === '/') return '(?:\\\\?\\/|%2[fF])';
  return char;
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for Basic credentials. */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Header names and values with every secret masked. */
export function scrubHeaders(headers: Record<string, string>, scrub: Scrub): Record<string, string> {
  if (scrub === keepText) return headers;
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) clean[scrub(name)] = scrub(value);
  return clean;
}

/**
 * An error chain safe to keep as a cause: each error that holds a secret anywhere (message, stack,
 * or a field such as the bytes an HTTP parser failed on) is replaced by a plain `Error` with the same
 * name and code and the text scrubbed; an error that holds none is kept as it is.
 */
export function scrubCause(cause: unknown, scrub: Scrub, depth = 0): unknown {
  if (scrub === keepText) return cause;
  if (typeof cause === 'string') return scrub(cause);
  if (!(cause instanceof Error)) return cause;
  const inner = depth < 8 ? scrubCause(cause.cause, scrub, depth + 1) : undefined;
  if (inner === cause.cause && !holdsSecret(cause, scrub)) return cause;
  const copy = new Error(scrub(cause.message), inner === undefined ? undefined : { cause: inner });
  copy.name = cause.name;
  const { code } = cause as { code?: unknown };
  if (typeof code === 'string') Object.assign(copy, { code: scrub(code) });
  copy.stack = scrub(cause.stack ?? '');
  return copy;
}

function holdsSecret(error: Error, scrub: Scrub): boolean {
  const fields = Object.getOwnPropertyNames(error).filter((name) => name !== 'cause');
  return [error.message, error.stack, ...fields.map((name) => Reflect.get(error, name))].some((value) => {
    const text = ArrayBuffer.isView(value)
      ? new TextDecoder('latin1').decode(value)
      : typeof value === 'string'
        ? value
        : undefined;
    return text !== undefined && scrub(text) !== text;
  });
}
