// sync.getToken end to end: the prebuilt worker in Chromium against a real Tandem server (started in
// the Vitest process by scripts/token-server-commands.ts) whose auth hook accepts one token, rotated
// by the test, so the worker's token goes stale mid-session as an expired session's would.
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import type { SyncStatus, TokenRequestReason } from '@tandem/core';
import { openTandem } from './open-tandem.ts';
import type { OpenTandemSyncOptions } from './open-tandem.ts';
import type { Tandem } from './tandem.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startTokenServer: (token: string) => Promise<{ id: string; url: string }>;
    rotateServerToken: (id: string, token: string) => Promise<void>;
    tokenServerState: (id: string) => Promise<{ titles: string[]; refused: number }>;
    stopTokenServer: (id: string) => Promise<void>;
  }
}

const WORKER_URL = '/tandem/tandem-worker.js';
const ACTIONS_URL = '/todo-actions.js';
// As the server has it (scripts/token-server-commands.ts): the fixture's actions leave list_id to its default.
const SCHEMA = "create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null, list_id text not null default 'l1');";

const opened: Tandem[] = [];
const servers: string[] = [];
afterEach(async () => {
  opened.splice(0).forEach((db) => db.close());
  for (const id of servers.splice(0)) await commands.stopTokenServer(id);
});

async function server(token: string) {
  const s = await commands.startTokenServer(token);
  servers.push(s.id);
  return s;
}

async function open(url: string, sync: Omit<OpenTandemSyncOptions, 'url'>, name = `tok${crypto.randomUUID().slice(0, 8)}`) {
  const db = await openTandem({ worker: WORKER_URL, actionsUrl: ACTIONS_URL, schema: SCHEMA, name, channels: { todos: 'list_id' }, sync: { url, channels: ['l1'], ...sync } });
  opened.push(db);
  return db;
}

/** Resolves with the first status (the current one included) that `ok` accepts. */
function statusWhere(db: Tandem, ok: (s: SyncStatus) => boolean): Promise<SyncStatus> {
  return new Promise((resolve) => {
    let stop: (() => void) | null = null;
    let done = false;
    stop = db.sync.onStatus((s) => {
      if (done || !ok(s)) return;
      done = true;
      stop?.();
      resolve(s);
    });
    if (done) stop();
  });
}

/** Online with nothing pending, after a successful sync that started no earlier than `since` (ms since epoch). */
const syncedSince = (since: number) => (s: SyncStatus) => s.online && s.pending === 0 && s.lastError === null && (s.lastSyncAt ?? 0) >= since;
const synced = syncedSince(0);
const refused = (s: SyncStatus) => s.lastError?.kind === 'unauthorized' && s.pending > 0;

describe('sync.getToken against a real server', () => {
  it('heals a 401 mid-session: the tab is asked once, and the pending action reaches the server without a reload', async () => {
    const s = await server('token-1');
    let current = 'token-1';
    const asked: TokenRequestReason[] = [];
    const db = await open(s.url, {
      token: 'token-1',
      getToken: async (reason) => {
        asked.push(reason);
        return current;
      },
    });
    await db.actions.add!({ title: 'before' });
    await statusWhere(db, synced);
    expect((await commands.tokenServerState(s.id)).titles).toEqual(['before']);

    // The session expires: the server takes only the new token, which the app's getToken now returns.
    await commands.rotateServerToken(s.id, 'token-2');
    current = 'token-2';
    const rotatedAt = Date.now();
    await db.actions.add!({ title: 'after' });
    // A successful sync after the rotation can only have used the new token.
    await statusWhere(db, syncedSince(rotatedAt));
    // At once, not at the loop's next retry (≥10 s after a refusal): the answer resumed it.
    expect(Date.now() - rotatedAt).toBeLessThan(9_000);
    const state = await commands.tokenServerState(s.id);
    expect(state.titles).toEqual(['after', 'before']);
    expect(state.refused).toBeGreaterThan(0); // the stale token was refused, not silently accepted
    expect(asked).toEqual(['unauthorized']);
  });

  it('without getToken behaves as before: the refusal stays in the status until sync.setToken', async () => {
    const s = await server('token-1');
    const db = await open(s.url, { token: 'token-1' });
    await db.actions.add!({ title: 'before' });
    await statusWhere(db, synced);

    await commands.rotateServerToken(s.id, 'token-2');
    await db.actions.add!({ title: 'after' });
    const stuck = await statusWhere(db, refused);
    expect(stuck.pending).toBe(1);
    expect((await commands.tokenServerState(s.id)).titles).toEqual(['before']);
    await expect(db.sync.now()).rejects.toMatchObject({ kind: 'unauthorized' });

    const setAt = Date.now();
    await db.sync.setToken('token-2');
    await statusWhere(db, syncedSince(setAt));
    expect((await commands.tokenServerState(s.id)).titles).toEqual(['after', 'before']);
  });

  it('does not call getToken in a storm while it has no token, and shows unauthorized meanwhile', async () => {
    const s = await server('token-1');
    let calls = 0;
    let firstCallAt = 0;
    const db = await open(s.url, {
      token: 'token-1',
      getToken: () => {
        if (calls++ === 0) firstCallAt = performance.now();
        return null; // e.g. signed out: nothing to give
      },
    });
    await db.actions.add!({ title: 'before' });
    await statusWhere(db, synced);

    await commands.rotateServerToken(s.id, 'token-2');
    await db.actions.add!({ title: 'after' });
    await statusWhere(db, refused);
    // Ten more refusals, each of which would ask for a token if nothing held the questions back.
    for (let i = 0; i < 10; i++) await expect(db.sync.now()).rejects.toMatchObject({ kind: 'unauthorized' });
    const elapsed = performance.now() - firstCallAt;
    const state = await commands.tokenServerState(s.id);
    expect(state.refused).toBeGreaterThanOrEqual(11);
    expect(calls).toBeGreaterThanOrEqual(1);
    // Once per refused token, then again only after 10 s without a new one.
    expect(calls).toBeLessThanOrEqual(1 + Math.floor(elapsed / 10_000));
    expect(db.sync.status.lastError?.kind).toBe('unauthorized');
    expect(db.sync.status.pending).toBe(1);

    const setAt = Date.now();
    await db.sync.setToken('token-2');
    await statusWhere(db, syncedSince(setAt));
    expect((await commands.tokenServerState(s.id)).titles).toEqual(['after', 'before']);
  });

  it('asks the next tab when the first has no token, or closes while its getToken hangs', async () => {
    const s = await server('token-1');
    const name = `tok${crypto.randomUUID().slice(0, 8)}`;
    const asked: string[] = [];
    let hang = false;
    // Two tabs of one database (one worker): the first connected is asked first.
    const first = await open(s.url, {
      token: 'token-1',
      getToken: () => {
        asked.push('first');
        return hang ? new Promise<string>(() => {}) : null;
      },
    }, name);
    const second = await open(s.url, {
      token: 'token-1',
      getToken: () => {
        asked.push('second');
        return asked.length < 3 ? 'token-2' : 'token-3';
      },
    }, name);
    await first.actions.add!({ title: 'one' });
    await statusWhere(first, synced);

    await commands.rotateServerToken(s.id, 'token-2');
    let since = Date.now();
    await first.actions.add!({ title: 'two' });
    await statusWhere(second, syncedSince(since));
    expect(asked).toEqual(['first', 'second']);

    // Now the first tab's callback never settles, and the tab closes while the worker waits on it.
    hang = true;
    await commands.rotateServerToken(s.id, 'token-3');
    since = Date.now();
    await second.actions.add!({ title: 'three' });
    await expect.poll(() => asked.length, { timeout: 20_000 }).toBe(3);
    first.close();
    await statusWhere(second, syncedSince(since));
    // Well before the 30 s a silent tab is given: its going away is what moved the question on.
    expect(Date.now() - since).toBeLessThan(20_000);
    expect(asked).toEqual(['first', 'second', 'first', 'second']);
    expect((await commands.tokenServerState(s.id)).titles).toEqual(['one', 'three', 'two']);
  });
});
