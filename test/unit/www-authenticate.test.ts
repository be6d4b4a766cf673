// WWW-Authenticate challenges (RFC 9110 §11.6.1) and what a 401 asks of the client (RFC 6750 §3, RFC 9449 §7.1, §9).
import { describe, expect, it } from 'vitest';
import { answerTo, parseChallenges } from '../../src/client/www-authenticate.js';

describe('parseChallenges', () => {
  it('one challenge with quoted and token parameters; scheme and names lower-cased', () => {
    expect(
      parseChallenges('Bearer realm="example", Error="invalid_token", error_description="The token expired"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'example', error: 'invalid_token', error_description: 'The token expired' },
      },
    ]);
  });

  it('several challenges joined by commas, as several header lines arrive', () => {
    expect(parseChallenges('DPoP algs="ES256 PS256", error="use_dpop_nonce", Bearer realm=api')).toEqual([
      { scheme: 'dpop', params: { algs: 'ES256 PS256', error: 'use_dpop_nonce' } },
      { scheme: 'bearer', params: { realm: 'api' } },
    ]);
  });

  it('schemes without parameters, token68, escapes and spaces around "="', () => {
    expect(parseChallenges('Basic, Negotiate abc+/d==, Bearer error = "a\\"b\\\\c"')).toEqual([
      { scheme: 'basic', params: {} },
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { error: 'a"b\\c' } },
    ]);
  });

  it('nothing, or text that is no challenge, gives what was read so far', () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('   ,  ')).toEqual([]);
    expect(parseChallenges('"quoted"')).toEqual([]);
    expect(parseChallenges('Bearer error="unterminated')).toEqual([{ scheme: 'bearer', params: {} }]);
  });
});

describe('answerTo', () => {
  it('invalid_token in a Bearer or DPoP challenge: get a new token', () => {
    expect(answerTo('Bearer error="invalid_token"', false)).toBe('refresh-token');
    expect(answerTo('DPoP error="invalid_token", algs="ES256"', true)).toBe('refresh-token');
  });

  it('use_dpop_nonce in a DPoP challenge with a DPoP-Nonce header: use the nonce, first', () => {
    expect(answerTo('DPoP error="use_dpop_nonce"', true)).toBe('use-nonce');
    expect(answerTo('Bearer error="invalid_token", DPoP error="use_dpop_nonce"', true)).toBe('use-nonce');
    expect(answerTo('DPoP error="use_dpop_nonce"', false)).toBeUndefined();
    expect(answerTo('Bearer error="use_dpop_nonce"', true)).toBeUndefined();
  });

  it('anything else is not for the client to fix', () => {
    for (const header of [
      null,
      'Bearer',
      'Bearer realm="api"',
      'Bearer error="insufficient_scope"',
      'DPoP error="invalid_dpop_proof"',
      'Basic error="invalid_token"',
    ]) {
      expect(answerTo(header, true), String(header)).toBeUndefined();
    }
  });
});
