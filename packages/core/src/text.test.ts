import { describe, expect, it } from 'vitest';
import { growthRatio, superlinearBound } from './test-support/linear-time.ts';
import { toStorableText, unprintableText, unstorableText } from './text.ts';

describe('text Postgres can store', () => {
  it('refuses U+0000 and lone surrogates, anywhere; accepts pairs and other controls', () => {
    expect(unstorableText('plain \n\t\u0001 \u{1F600} \uffff')).toBeNull();
    expect(unstorableText('a\u0000')).toBe('contains U+0000 (NUL) at index 1');
    expect(unstorableText('\ud83d')).toBe('contains a lone UTF-16 surrogate (U+D83D) at index 0');
    expect(unstorableText('ab\ude00')).toBe('contains a lone UTF-16 surrogate (U+DE00) at index 2');
    expect(unstorableText('\ude00\ud83d')).toMatch(/U\+DE00/); // a reversed pair is two lone halves
  });

  it('names and tokens refuse control characters too', () => {
    expect(unprintableText('list-1 ünïcode \u{1F600}')).toBeNull();
    expect(unprintableText('a\nb')).toBe('contains a control character (U+000A) at index 1');
    expect(unprintableText('\u007f')).toMatch(/U\+007F/);
    expect(unprintableText('\u0085')).toMatch(/U\+0085/);
    expect(unprintableText('x\ud800')).toMatch(/lone UTF-16 surrogate/);
  });

  it('toStorableText replaces exactly the unstorable code units with U+FFFD', () => {
    expect(toStorableText('ok \u{1F600}')).toBe('ok \u{1F600}');
    expect(toStorableText('a\u0000b\ud800c\udc00\u{1F600}')).toBe('a\ufffdb\ufffdc\ufffd\u{1F600}');
  });

  it('scans in linear time (no backtracking on long runs of surrogates)', () => {
    const pairs = '\u{1F600}'.repeat(1_000_000);
    expect(unstorableText(pairs)).toBeNull();
    expect(unstorableText(`${pairs}\ud800`)).toMatch(/index 2000000/);
    // 32 × the pairs, about 32 × the time (backtracking would be quadratic).
    expect(growthRatio((n) => `${'\u{1F600}'.repeat(n)}\ud800`, unstorableText, 31_250, 32)).toBeLessThan(superlinearBound(32));
  });
});
