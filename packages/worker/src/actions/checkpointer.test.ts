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
      runs.push(checkpointer.recordsSince);
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
