// The scrubber: every wire form of a secret, anywhere in a text, in any mixture; nothing else touched.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createScrubber,
  formEncode,
  keepText,
  REDACTED,
  scrubCause,
  scrubHeaders,
} from '../../src/client/scrub.js';

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
const base64url = (value: string) => Buffer.from(value, 'utf8').toString('base64url');
/** JSON as an encoder that escapes every non-ASCII character writes it (Python's default, Java's many). */
const asciiJson = (value: string) =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
const html = (value: string) =>
  value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
const latin1OfUtf8 = (value: string) => Buffer.from(value, 'utf8').toString('latin1');

/** Every form a server may send a secret back in; `id` is the client id of a Basic credential. */
const FORMS: Array<[string, (secret: string, id: string) => string]> = [
  ['as it is', (s) => s],
  ['upper-cased', (s) => s.toUpperCase()],
  ['percent-encoded', (s) => encodeURIComponent(s)],
  [
    'percent-encoded, lower-case hex',
    (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
  ],
  ['percent-encoded twice', (s) => encodeURIComponent(encodeURIComponent(s))],
  ['form-encoded (RFC 6749 §2.3.1)', (s) => formEncode(s)],
  ['form-encoded, then percent-encoded', (s) => encodeURIComponent(formEncode(s))],
  ['encodeURI (reserved characters left as they are)', (s) => encodeURI(s)],
  ['JSON-escaped', (s) => JSON.stringify(s).slice(1, -1)],
  ['JSON-escaped, ASCII only', (s) => asciiJson(s).slice(1, -1)],
  ['JSON-escaped with an escaped slash', (s) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/')],
  ['HTML-escaped', (s) => html(s)],
  ['UTF-8 read as Latin-1 (a header)', (s) => latin1OfUtf8(s)],
  [
    'in a Basic credential (id and secret form-encoded)',
    (s, id) => base64(`${formEncode(id)}:${formEncode(s)}`),
  ],
  ['in a Basic credential (id:secret as they are)', (s, id) => base64(`${id}:${s}`)],
  ['in a Basic credential, base64url', (s, id) => base64url(`${formEncode(id)}:${formEncode(s)}`)],
  ['in a Basic credential, percent-encoded', (s, id) => encodeURIComponent(base64(`${id}:${s}`))],
  ['in a Basic credential, JSON-escaped slashes', (s, id) => base64(`${id}:${s}`).replace(/\//g, '\\/')],
  ['base64 of the secret alone', (s) => base64(s)],
];

/** Characters of "[redacted]" are left out, so that the mask cannot spell the secret by chance. */
const SECRET_CHARS = fc.constantFrom(
  ...('bfghijklmnopqsuvwxyzBFGHIJKLMNOPQSUVWXYZ0123456789 /+%=&?#"\\\'~!$()*,;:@{}|^`<>-_.éüß€😀\n\t'.match(
    /./gsu,
  ) ?? []),
);
const secrets = fc.array(SECRET_CHARS, { minLength: 4, maxLength: 40 }).map((chars) => chars.join(''));
const ids = fc.string({ minLength: 1, maxLength: 30 });
const context = fc.string({ maxLength: 60 });

describe('createScrubber', () => {
  it.each(FORMS)('removes a secret %s, wherever it is in the text', (_name, form) => {
    fc.assert(
      fc.property(secrets, ids, context, context, (secret, id, before, after) => {
        const sent = form(secret, id);
        const scrubbed = createScrubber([secret])(`${before}${sent}${after}`);
        expect(scrubbed).toContain(REDACTED);
        expect(scrubbed).not.toContain(sent);
        expect(scrubbed).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });

  it('removes several secrets, each in its own form', () => {
    const scrub = createScrubber(['first-Secret-1', 'second/Secret 2']);
    const text = `a=first-Secret-1&b=${formEncode('second/Secret 2')} ${base64('svc:second/Secret 2')}`;
    expect(scrub(text)).toBe(`a=${REDACTED}&b=${REDACTED} ${REDACTED}`);
  });

  it('takes the whole Basic credential, not only the part the secret decides', () => {
    const credential = base64(`${formEncode('svc-1')}:${formEncode('Sup3r secret')}`);
    expect(createScrubber(['Sup3r secret'])(`Basic ${credential}, realm="x"`)).toBe(
      `Basic ${REDACTED}, realm="x"`,
    );
  });

  it('leaves a text without the secret as it is', () => {
    const scrub = createScrubber(['Sup3r-Secret/value']);
    for (const text of [
      'Token request failed with HTTP 400: invalid_request - the scope "users:read" is unknown',
      'Basic c3ZjOm90aGVyLXNlY3JldA==',
      'https://errors.example.test/?error=invalid_client&state=Sup3r-Secret',
      '',
    ]) {
      expect(scrub(text)).toBe(text);
    }
  });

  it('is free when there is nothing to scrub: no secret, or one too short to mask', () => {
    expect(createScrubber([])).toBe(keepText);
    expect(createScrubber([undefined, ''])).toBe(keepText);
    expect(createScrubber(['abc'])).toBe(keepText);
  });
});

describe('scrubHeaders and scrubCause', () => {
  const scrub = createScrubber(['Sup3r-Secret']);

  it('masks header names and values', () => {
    expect(scrubHeaders({ 'x-sup3r-secret': 'a', 'x-echo': 'client_secret=Sup3r-Secret' }, scrub)).toEqual({
      [`x-${REDACTED}`]: 'a',
      'x-echo': `client_secret=${REDACTED}`,
    });
  });

  it('replaces an error whose field holds the secret, down the chain, and keeps one that holds none', () => {
    const parser = Object.assign(new Error('Invalid response status'), {
      code: 'HPE_INVALID_STATUS',
      data: '4Sup3r-Secret',
    });
    const outer = new TypeError('fetch failed', { cause: parser });
    const clean = scrubCause(outer, scrub) as Error;
    expect(clean).not.toBe(outer);
    expect(clean.name).toBe('TypeError');
    const inner = clean.cause as Error & { code?: string; data?: unknown };
    expect([inner.message, inner.code, inner.data]).toEqual([
      'Invalid response status',
      'HPE_INVALID_STATUS',
      undefined,
    ]);

    const harmless = new TypeError('fetch failed', { cause: new Error('other side closed') });
    expect(scrubCause(harmless, scrub)).toBe(harmless);
  });
});
