import { describe, expect, it } from 'vitest';
import { applyRowDiff, computeRowDiff, diffState } from './row-diff.ts';

function roundTrip(prev: Record<string, unknown>[], next: Record<string, unknown>[]) {
  const diff = computeRowDiff(diffState(prev), diffState(next), next);
  const applied = applyRowDiff(prev, diff);
  expect(applied).toEqual(next);
  return { diff, applied };
}

describe('row diff', () => {
  it('is empty when nothing changed and keeps identity', () => {
    const rows = [{ id: 'a', v: 1 }, { id: 'b', v: 2 }];
    const { diff, applied } = roundTrip(rows, structuredClone(rows));
    expect(diff).toEqual([]);
    expect(applied[0]).toBe(rows[0]);
  });

  it('sends only changed rows and keeps unchanged row objects', () => {
    const prev = [{ id: 'a', v: 1 }, { id: 'b', v: 2 }, { id: 'c', v: 3 }];
    const next = [{ id: 'a', v: 1 }, { id: 'b', v: 20 }, { id: 'c', v: 3 }];
    const { diff, applied } = roundTrip(prev, next);
    expect(diff).toEqual([{ op: 'update', index: 1, row: { id: 'b', v: 20 } }]);
    expect(applied[0]).toBe(prev[0]);
    expect(applied[2]).toBe(prev[2]);
  });

  it('handles inserts, deletes and moves together', () => {
    const prev = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];
    const next = [{ id: 'd' }, { id: 'x' }, { id: 'b' }, { id: 'a', changed: true }];
    const { diff, applied } = roundTrip(prev, next);
    expect(diff.some((o) => o.op === 'move')).toBe(true);
    expect(diff.some((o) => o.op === 'delete')).toBe(true);
    expect(applied[0]).toBe(prev[3]);
    expect(applied[2]).toBe(prev[1]);
  });

  it('falls back to positions when rows have no unique id', () => {
    roundTrip([{ n: 1 }, { n: 2 }], [{ n: 1 }, { n: 3 }, { n: 4 }]);
    roundTrip([{ id: 'a' }, { id: 'a' }], [{ id: 'a' }]);
  });

  it('survives random permutations', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 200; round++) {
      const prev = Array.from({ length: rand(8) }, (_, i) => ({ id: `r${rand(12)}-${i}`, v: rand(3) }));
      const pool = [...prev, ...Array.from({ length: rand(4) }, (_, i) => ({ id: `new${i}`, v: 0 }))];
      const next = pool.filter(() => rand(3) > 0).map((r) => (rand(4) === 0 ? { ...r, v: 9 } : r));
      next.sort(() => rand(3) - 1);
      roundTrip(prev, next);
    }
  });
});
