import { describe, expect, it } from 'vitest';
import type { Rejection, SyncStatus } from '@tandem/core';
import { SyncFeed } from './sync-feed.ts';
import { UpdateFeed } from './update-feed.ts';

function rejection(id: string): Rejection {
  return { id, seq: Number(id.split('-')[1]), name: 'add', error: { kind: 'action_failed', message: 'no' } };
}

function status(rejections: Rejection[], updateRequired = false): SyncStatus {
  return { enabled: true, online: true, syncing: false, pending: 0, channels: [], lastError: null, lastSyncAt: null, rejections, updateRequired, user: null, signedOut: false };
}

describe('SyncFeed.onRejected', () => {
  it('delivers the listed rejections at registration, then only new ones, each once per listener', () => {
    const feed = new SyncFeed(status([rejection('c-1')]));
    const seen: string[][] = [];
    feed.onRejected((rs) => seen.push(rs.map((r) => r.id)));
    expect(seen).toEqual([['c-1']]);

    // The same rejection as an event and in the next status: already delivered.
    feed.reject([rejection('c-1'), rejection('c-2')]);
    feed.setStatus(status([rejection('c-1'), rejection('c-2')]));
    expect(seen).toEqual([['c-1'], ['c-2']]);

    // A late listener gets what is still listed; acknowledged ones are gone from the list.
    const late: string[][] = [];
    feed.setStatus(status([rejection('c-2')]));
    feed.onRejected((rs) => late.push(rs.map((r) => r.id)));
    expect(late).toEqual([['c-2']]);
    expect(seen).toEqual([['c-1'], ['c-2']]);
  });

  it('stops after unsubscribe and delivers nothing when nothing is listed', () => {
    const feed = new SyncFeed(status([]));
    const seen: Rejection[][] = [];
    const stop = feed.onRejected((rs) => seen.push(rs));
    expect(seen).toEqual([]);
    stop();
    feed.reject([rejection('c-3')]);
    expect(seen).toEqual([]);
  });
});

describe('UpdateFeed', () => {
  it('tells each listener once, including one registered after the update', () => {
    const feed = new UpdateFeed();
    const calls: unknown[] = [];
    feed.onUpdate((u) => calls.push(u));
    expect(feed.current).toBeNull();
    feed.fromEvent({ tandem: 'update', version: 'v2', schemaVersion: 3 });
    feed.fromRefusal({ version: 'v9', schemaVersion: 9 });
    feed.fromEvent({ tandem: 'update', version: 'v3', schemaVersion: 4 });
    expect(calls).toEqual([{ version: 'v2', schemaVersion: 3 }]);
    const late: unknown[] = [];
    feed.onUpdate((u) => late.push(u));
    expect(late).toEqual([{ version: 'v2', schemaVersion: 3 }]);
  });

  it('takes what a refusal says about the version now running, null when it says nothing', () => {
    const a = new UpdateFeed();
    a.fromRefusal({ next: { version: 'v2', schemaVersion: 1 } });
    expect(a.current).toEqual({ version: 'v2', schemaVersion: 1 });
    const b = new UpdateFeed();
    b.fromRefusal(undefined);
    expect(b.current).toEqual({ version: null, schemaVersion: null });
  });
});
