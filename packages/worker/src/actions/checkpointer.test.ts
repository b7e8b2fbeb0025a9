import { describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer.ts';

/** A checkpointer whose checkpoints fail (a full quota), under constant load (never idle). */
function failing(every: number) {
  const runs: number[] = [];
  const errors: unknown[] = [];
  let settle!: () => void;
  let settled = new Promise<void>((r) => (settle = r));
  const checkpointer = new Checkpointer({
    every,
    idleMs: 60_000,
    idleSince: () => null,
    run: async () => {
      runs.push(checkpointer.weightSince);
      throw new Error('quota');
    },
    onError: (error) => {
      errors.push(error);
      settle();
      settled = new Promise<void>((r) => (settle = r));
    },
  });
  return { checkpointer, runs, errors, failed: () => settled };
}

describe('Checkpointer', () => {
  it('under load, a failed checkpoint is retried after `every` more records, not on every batch', async () => {
    const { checkpointer, runs, errors, failed } = failing(10);
    const first = failed();
    checkpointer.noteRecords(40);
    await first;
    expect(runs).toEqual([40]);
    for (let i = 0; i < 9; i++) checkpointer.noteRecords(1);
    const second = failed();
    checkpointer.noteRecords(1);
    await second;
    // Batches 41..49 forced nothing; the 50th record did.
    expect(runs).toEqual([40, 50]);
    expect(errors).toHaveLength(2);
    checkpointer.stop();
  });
});

/** A checkpointer under constant load (never idle) whose checkpoints succeed; records what they covered. */
function underLoad(every: number) {
  const covered: number[] = [];
  const checkpointer = new Checkpointer({
    every,
    idleMs: 60_000,
    idleSince: () => null,
    run: async () => {
      covered.push(checkpointer.weightSince);
      checkpointer.reset();
    },
    onError: () => undefined,
  });
  return { checkpointer, covered };
}

describe('Checkpointer weighs the journal by rows changed', () => {
  it('one bulk record counts its rows: a 2,000-row action forces what 2,000 one-row actions force', async () => {
    const { checkpointer, covered } = underLoad(500);
    checkpointer.noteRecords(1, 1999);
    await Promise.resolve();
    expect(covered).toEqual([]);
    checkpointer.noteRecords(1, 1);
    await expect.poll(() => covered).toEqual([2000]);
    // A record that changed no row (a void) still weighs one.
    checkpointer.noteRecords(2000, 0);
    await expect.poll(() => covered).toEqual([2000, 2000]);
    checkpointer.stop();
  });

  it('a long bulk import forces a number of dumps that grows with its logarithm, not its length', async () => {
    const { checkpointer, covered } = underLoad(500);
    for (let i = 0; i < 1000; i++) {
      checkpointer.noteRecords(1, 1000);
      await Promise.resolve();
    }
    // A million rows: one dump per 2,000 rows would be 500 dumps of a growing database.
    expect(covered.length).toBeGreaterThan(3);
    expect(covered.length).toBeLessThan(40);
    // The journal a crash leaves to replay stays within half of what was imported before it.
    for (const [i, weight] of covered.entries()) expect(weight).toBeLessThanOrEqual(Math.max(2000, covered.slice(0, i).reduce((a, b) => a + b, 0) / 2) + 1000);
    checkpointer.stop();
  });

  it('a replayed journal heavier than `every` is checkpointed once idle, never forced during start-up', async () => {
    const runs: number[] = [];
    const checkpointer = new Checkpointer({
      every: 500,
      idleMs: 10,
      idleSince: () => Date.now() - 1_000,
      run: async () => {
        runs.push(checkpointer.weightSince);
        checkpointer.reset();
      },
      onError: () => undefined,
    });
    checkpointer.noteReplayed(10_000);
    expect(runs).toEqual([]);
    await expect.poll(() => runs).toEqual([10_000]);
    checkpointer.stop();
  });
});

describe('Checkpointer after a start-up replay', () => {
  /** A checkpointer idle since `idleFor` ms before each check; records what its checkpoints covered. */
  function idleFor(idleFor: number, idleMs: number, replayIdleMs: number) {
    const covered: number[] = [];
    const checkpointer = new Checkpointer({
      every: 500,
      idleMs,
      replayIdleMs,
      idleSince: () => Date.now() - idleFor,
      run: async () => {
        covered.push(checkpointer.weightSince);
        checkpointer.reset();
      },
      onError: () => undefined,
    });
    return { checkpointer, covered };
  }

  it('checkpoints a replayed journal after the short replay idle time, not the usual idle time', async () => {
    // Idle 100 ms: past the replay idle time (50 ms), far from the usual one (60 s).
    const { checkpointer, covered } = idleFor(100, 60_000, 50);
    checkpointer.noteReplayed(2_000);
    expect(covered).toEqual([]);
    await expect.poll(() => covered).toEqual([2_000]);
    checkpointer.stop();
  });

  it('never waits longer than the usual idle time', async () => {
    const { checkpointer, covered } = idleFor(100, 50, 60_000);
    checkpointer.noteReplayed(600);
    await expect.poll(() => covered).toEqual([600]);
    checkpointer.stop();
  });
});
