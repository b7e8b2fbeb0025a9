import { describe, expect, it } from 'vitest';
import { findNonJson, JSON_MAX_DEPTH } from './json-value.ts';
import { growthRatio, superlinearBound } from './test-support/linear-time.ts';

/** `depth` arrays inside each other, around `inner`. */
function nested(depth: number, inner: unknown = 1): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('findNonJson', () => {
  it('accepts plain JSON, skips undefined object fields, refuses the rest with the path', () => {
    expect(findNonJson({ a: [1, 'x', null, true, { b: {} }], c: undefined })).toBeNull();
    expect(findNonJson(Object.create(null))).toBeNull();
    expect(findNonJson({ a: [1, { b: Number.NaN }] })).toEqual({ path: ['a', 1, 'b'], reason: 'NaN is not a finite number' });
    expect(findNonJson({ a: new Date(0) })).toEqual({ path: ['a'], reason: 'Date is not a plain JSON object' });
    expect(findNonJson([undefined])).toEqual({ path: [0], reason: 'undefined is not JSON' });
    expect(findNonJson(10n)).toEqual({ path: [], reason: 'bigint is not JSON' });
  });

  it('reports the first offender in document order', () => {
    expect(findNonJson({ a: [1, 2, { x: Infinity }], b: Number.NaN })?.path).toEqual(['a', 2, 'x']);
  });

  it('refuses strings and keys Postgres cannot store: U+0000 and lone surrogates; pairs and controls pass', () => {
    expect(findNonJson({ t: 'line\nnext\ttab \u{1F600}' })).toBeNull();
    expect(findNonJson({ t: ['a\u0000b'] })).toEqual({ path: ['t', 0], reason: expect.stringContaining('U+0000 (NUL) at index 1') });
    expect(findNonJson({ t: 'x\ud800' })?.reason).toMatch(/lone UTF-16 surrogate \(U\+D800\) at index 1/);
    expect(findNonJson({ t: '\udc00x' })?.reason).toMatch(/lone UTF-16 surrogate \(U\+DC00\) at index 0/);
    expect(findNonJson({ 'k\u0000': 1 })).toEqual({ path: ['k\u0000'], reason: expect.stringMatching(/^the key contains U\+0000/) });
  });

  it(`allows ${JSON_MAX_DEPTH} levels of nesting and refuses one more, at the level that passed it`, () => {
    expect(findNonJson(nested(JSON_MAX_DEPTH))).toBeNull();
    const tooDeep = findNonJson(nested(JSON_MAX_DEPTH + 1));
    expect(tooDeep?.reason).toBe(`nesting is deeper than ${JSON_MAX_DEPTH} levels (the limit for JSON values)`);
    expect(tooDeep?.path).toEqual(Array(JSON_MAX_DEPTH).fill(0));
    expect(findNonJson({ a: { b: 1 } }, 1)?.path).toEqual(['a']);
  });

  it('reports a cycle as too deep instead of overflowing the stack', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(findNonJson(cycle)?.reason).toMatch(/deeper than/);
  });

  it('takes linear time: 200 000 levels are refused at once, a wide value walked in one pass', () => {
    expect(findNonJson(nested(200_000))?.path).toHaveLength(JSON_MAX_DEPTH);
    // Refused at the limit, however deep the value goes: 100 × the levels, about the same time
    // (a walk to the bottom first would take 100 ×).
    expect(growthRatio(nested, findNonJson, 2_000, 100)).toBeLessThan(10);
    // The walk itself (no limit hit), entries 50 levels deep: 32 × the entries, about 32 × the time.
    // Path copying per level, or a rescan per entry, would grow faster.
    const wide = (n: number) => Array.from({ length: n }, (_, i) => nested(50, `s${i}`));
    expect(findNonJson(wide(20_000))).toBeNull();
    expect(growthRatio(wide, findNonJson, 625, 32)).toBeLessThan(superlinearBound(32));
  });
});
