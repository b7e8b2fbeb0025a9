import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '@tandem/core';
import { StatusLine } from './status-line.ts';

/** A status line over a pending count the test sets, recording what the tabs would hear. */
function line() {
  const heard: SyncStatus[] = [];
  let pending = 0;
  let waiter: (() => void) | null = null;
  const status = new StatusLine(
    (s) => {
      heard.push(s);
      waiter?.();
    },
    () => pending,
  );
  /** Resolves when the tabs hear the next status (the coalesced one). */
  const nextSent = () => new Promise<void>((resolve) => (waiter = resolve));
  return { status, heard, nextSent, setPending: (n: number) => (pending = n) };
}

describe('StatusLine', () => {
  it('tells the tabs at once when a local commit ends "nothing pending", before the commit resolves anything', () => {
    const { status, heard, setPending } = line();
    setPending(1);
    status.localCommit();
    expect(heard.map((s) => s.pending)).toEqual([1]);
    status.stop();
  });

  it('coalesces further local commits while some are pending', async () => {
    const { status, heard, nextSent, setPending } = line();
    setPending(1);
    status.localCommit();
    setPending(2);
    status.localCommit();
    setPending(3);
    status.localCommit();
    const sent = nextSent();
    expect(heard.map((s) => s.pending)).toEqual([1]);
    await sent;
    expect(heard.map((s) => s.pending)).toEqual([1, 3]);
    status.stop();
  });

  it('after the tabs heard "nothing pending" again, the next local commit is sent at once again', async () => {
    const { status, heard, nextSent, setPending } = line();
    setPending(1);
    status.localCommit();
    setPending(0);
    const sent = nextSent();
    status.update({ lastSyncAt: 1 }); // a push drained the outbox
    await sent;
    expect(heard.map((s) => s.pending)).toEqual([1, 0]);
    setPending(1);
    status.localCommit();
    expect(heard.map((s) => s.pending)).toEqual([1, 0, 1]);
    status.stop();
  });
});
