import { describe, expect, it } from 'vitest';
import { jwtExpiry } from './jwt-expiry.ts';

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const jwt = (payload: string) => `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(payload)}.c2lnbmF0dXJl`;

describe('jwtExpiry: when a JWT expires, from its payload, defensively', () => {
  it('reads a numeric exp (seconds) as ms since the epoch', () => {
    expect(jwtExpiry(jwt('{"sub":"u1","exp":1700000000}'))).toBe(1_700_000_000_000);
    expect(jwtExpiry(jwt('{"exp":1700000000.5}'))).toBe(1_700_000_000_500);
    // Base64url's own characters (- and _) and no padding, as JWTs are written.
    const payload = '{"exp":1800000000,"n":"~~~???>>>"}';
    expect(b64url(payload)).toMatch(/[-_]/);
    expect(jwtExpiry(jwt(payload))).toBe(1_800_000_000_000);
  });

  it('is null without exp, or with an exp that is not a usable number', () => {
    for (const payload of ['{"sub":"u1"}', '{"exp":"1700000000"}', '{"exp":null}', '{"exp":true}', '{"exp":[1]}', '{"exp":0}', '{"exp":-5}', '{"exp":1e400}']) {
      expect(jwtExpiry(jwt(payload)), payload).toBeNull();
    }
  });

  it('is null for an exp too far away for a Date (huge)', () => {
    expect(jwtExpiry(jwt('{"exp":1e300}'))).toBeNull();
    expect(jwtExpiry(jwt(`{"exp":${Number.MAX_SAFE_INTEGER}}`))).toBeNull();
    expect(jwtExpiry(jwt('{"exp":8640000000000}'))).toBe(8.64e15);
  });

  it('is null for opaque tokens and junk, without throwing', () => {
    const junk = [
      '',
      'opaque-token-123',
      'a.b',
      'a.b.c.d',
      '..',
      `x.${b64url('not json')}.y`,
      `x.${b64url('[1,2]')}.y`,
      `x.${b64url('null')}.y`,
      `x.${b64url('42')}.y`,
      'x.%%%%.y',
      'x.a.y', // one base64 character: not a byte
      `x.${b64url('{"exp":1700000000}')}=.y`, // padding is not base64url
      `x.${'A'.repeat(100_000)}.y`,
      `x.${'.'.repeat(50_000)}`,
      '\u0000.\ud800.\u0000',
      `x.${b64url('\u00ff\u00fe{"exp":1}')}.y`,
    ];
    for (const token of junk) expect(jwtExpiry(token), token.slice(0, 40)).toBeNull();
  });

  it('takes linear time on a long payload', () => {
    const big = jwt(`{"exp":1700000000,"pad":"${'x'.repeat(6_000)}"}`);
    expect(jwtExpiry(big)).toBe(1_700_000_000_000);
    const started = performance.now();
    for (let i = 0; i < 200; i++) jwtExpiry(`x.${'-_'.repeat(4_000)}.y${'.'.repeat(i)}`);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
