import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import type { TandemServer } from '@tandem/testing/playwright';
import { test, expect } from '../support/test.ts';
import { openDevice, waitSynced } from '../support/devices.ts';
import type { Device } from '../support/devices.ts';
import { dropSchema, requirePostgres, uniqueName, withPostgres, PG_URL } from '../support/postgres.ts';
import { startDemoServer } from '../support/server-process.ts';
import { newSession } from '../support/sync-api.ts';

// Sign-out and user switch (db.sync.signIn / signOut) on the demo, against a demo server on
// Postgres in this run's own schema, so the test reads what the server stored: who owns the
// device's client id (tandem_clients) and which todos it holds.

let server: TandemServer | null = null;
let device: Device | null = null;
let schema = '';

test.beforeEach(async () => {
  await requirePostgres(test.skip);
  schema = uniqueName('e2e_users');
  server = await startDemoServer({ env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, TANDEM_DEMO_SECRET: randomBytes(32).toString('hex') } });
});

test.afterEach(async ({}, testInfo) => {
  await device?.context.close().catch(() => {});
  device = null;
  if (testInfo.status !== testInfo.expectedStatus) console.log(`[server output]\n${server?.output.join('\n')}`);
  await server?.dispose();
  server = null;
  await dropSchema(schema);
});

type User = { token: string; userId: string };
/** What these tests use of `window.tandem.sync` beyond the e2e's TandemHandle. */
interface UserSync {
  sync: {
    signIn(session: { user: string; token: string }): Promise<void>;
    signOut(options: { data: 'keep' | 'wipe' }): Promise<{ discarded: number }>;
    setToken(token: string): Promise<void>;
    now(): Promise<void>;
    addChannels(channels: string[]): Promise<void>;
    status: { signedOut: boolean; user: string | null; pending: number };
  };
}
type Caught = { kind: string; message: string } | null;

const signIn = (page: Page, who: User): Promise<Caught> =>
  page.evaluate((s) => (window.tandem as unknown as UserSync).sync.signIn({ user: s.userId, token: s.token }).then(() => null, (e: { kind: string; message: string }) => ({ kind: e.kind, message: e.message })), who);
const signOut = (page: Page, data: 'keep' | 'wipe') => page.evaluate((d) => (window.tandem as unknown as UserSync).sync.signOut({ data: d }), data);
const addTodo = (page: Page, listId: string, title: string) => page.evaluate(([list, t]) => window.tandem!.actions.addTodo!({ listId: list!, title: t! }), [listId, title]);
const clientId = (page: Page) => page.evaluate(() => window.tandem!.clientId);

/** Who the server says owns `client` (null: it never pushed), and the titles it stored for `listId`. */
async function onServer(client: string, listId: string): Promise<{ owner: string | null; titles: string[] }> {
  return withPostgres(async (sql) => {
    const owners = await sql.unsafe(`select user_id from "${schema}".tandem_clients where client_id = $1`, [client]);
    const todos = await sql.unsafe(`select title from "${schema}".todos where list_id = $1 order by created_at, id`, [listId]);
    return { owner: (owners[0]?.user_id as string | undefined) ?? null, titles: todos.map((t) => String(t.title)) };
  });
}

test("a user switch does not push the old user's actions as the new user; they go as the old user when they sign in again", async ({ browser }) => {
  device = await openDevice(browser, server!.url);
  const { page, listId } = device;
  const alice = await newSession(server!.url);
  const bob = await newSession(server!.url);
  const client = await clientId(page);

  // Alice works with the server unreachable: her client id is registered to no one yet.
  await server!.stop();
  expect(await signIn(page, alice)).toBeNull();
  await addTodo(page, listId, 'alice 1');
  await addTodo(page, listId, 'alice 2');
  expect(await signOut(page, 'keep')).toEqual({ discarded: 0 });
  await server!.start();

  // Bob on the same device: refused, naming both ways out; nothing syncs while signed out.
  const refused = await signIn(page, bob);
  expect(refused).toMatchObject({ kind: 'user_mismatch' });
  expect(refused!.message).toContain("signOut({ data: 'wipe' })");
  expect(await page.evaluate((t) => (window.tandem as unknown as UserSync).sync.setToken(t).then(() => null, (e: { kind: string }) => e.kind), bob.token)).toBe('unauthorized');
  expect(await page.evaluate(() => (window.tandem as unknown as UserSync).sync.now().then(() => 'synced', (e: { kind: string }) => e.kind))).toBe('unauthorized');
  expect(await page.evaluate(() => (window.tandem as unknown as UserSync).sync.status)).toMatchObject({ signedOut: true, user: alice.userId, pending: 2 });
  expect(await onServer(client, listId)).toEqual({ owner: null, titles: [] });

  // Alice again: her actions are pushed, as hers.
  expect(await signIn(page, alice)).toBeNull();
  await waitSynced(page);
  expect(await onServer(client, listId)).toEqual({ owner: alice.userId, titles: ['alice 1', 'alice 2'] });
});

test('signOut wipe discards the unpushed actions, and the next user syncs with a new client id', async ({ browser }) => {
  device = await openDevice(browser, server!.url);
  const { page, listId } = device;
  const alice = await newSession(server!.url);
  const bob = await newSession(server!.url);
  expect(await signIn(page, alice)).toBeNull();
  await addTodo(page, listId, 'alice synced');
  await waitSynced(page);
  const aliceClient = await clientId(page);

  await server!.stop();
  await addTodo(page, listId, 'alice unpushed');
  expect(await signOut(page, 'wipe')).toEqual({ discarded: 1 });
  // The fresh database starts as on a first visit: PGlite's empty image comes from the server.
  await server!.start();
  expect(await page.evaluate((list) => window.tandem!.query('select title from todos where list_id = $1', [list]), listId)).toEqual([]);
  expect(await page.evaluate(() => (window.tandem as unknown as UserSync).sync.status)).toMatchObject({ signedOut: true, user: null, pending: 0 });

  expect(await signIn(page, bob)).toBeNull();
  const bobClient = await clientId(page);
  expect(bobClient).not.toBe(aliceClient);
  // The demo's list follows the page (addChannels at open): a fresh database syncs it again.
  await page.evaluate((list) => (window.tandem as unknown as UserSync).sync.addChannels([list]), listId);
  await addTodo(page, listId, 'bob');
  await waitSynced(page);
  expect(await onServer(bobClient, listId)).toEqual({ owner: bob.userId, titles: ['alice synced', 'bob'] });
  expect((await onServer(aliceClient, listId)).owner).toBe(alice.userId);
  const local = await page.evaluate((list) => window.tandem!.query('select title from todos where list_id = $1 order by created_at, id', [list]), listId);
  expect(local.map((r) => r.title)).toEqual(['alice synced', 'bob']);
});
