import { describe, expect, it } from 'vitest';
import { findNonJson, JSON_MAX_DEPTH } from './json-value.ts';

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
    const deep = nested(200_000);
    let t = performance.now();
    expect(findNonJson(deep)?.path).toHaveLength(JSON_MAX_DEPTH);
    expect(performance.now() - t).toBeLessThan(50);
    // The walk itself (no limit hit): 50 levels × 20 000 entries. Path copying per level would
    // have cost 50 × more allocation; here it is one visit per value.
    const wide = Array.from({ length: 20_000 }, (_, i) => nested(50, `s${i}`));
    t = performance.now();
    expect(findNonJson(wide)).toBeNull();
    expect(performance.now() - t).toBeLessThan(2_000);
  });
});
