import { randomBytes } from 'node:crypto';
import type { Browser } from '@playwright/test';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, todomvc, waitReady } from '../support/demo.ts';
import { listRows, openDevice, syncStatus, waitSynced } from '../support/devices.ts';
import type { Device } from '../support/devices.ts';
import { dropSchema, requirePostgres, uniqueName, withPostgres, PG_URL } from '../support/postgres.ts';
import { startDemoServer } from '../support/server-process.ts';
import type { TandemServer } from '@tandem/testing/playwright';
import { TestSocket, addTodoPush, bearer, newClientId, newListId, newSession, post, syncApi } from '../support/sync-api.ts';
import type { ErrorBody } from '../support/sync-api.ts';

// The sync server as a real process (apps/demo/serve.mjs): several instances on one Postgres,
// refusals of malformed and unauthorised requests, server-invoked actions and reset after compaction.
// Tests that need a fresh server or other settings start their own; the refusal tests use the
// project's (the `server` fixture).

const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;

/** Servers and devices of the current test, cleaned up after it (server output printed on failure). */
const servers: TandemServer[] = [];
const devices: Device[] = [];
/** Run last, once devices and servers are gone (e.g. dropping a Postgres schema). */
const cleanups: (() => Promise<void>)[] = [];

test.afterEach(async ({}, testInfo) => {
  for (const d of devices.splice(0)) await d.context.close().catch(() => {});
  const failed = testInfo.status !== testInfo.expectedStatus;
  for (const [i, s] of servers.splice(0).entries()) {
    if (failed) console.log(`[server ${i + 1} output]\n${s.output.join('\n')}`);
    await s.dispose();
  }
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startServer(env: Record<string, string> = {}): Promise<TandemServer> {
  const server = await startDemoServer({ env });
  servers.push(server);
  return server;
}

async function device(browser: Browser, server: TandemServer, listId?: string): Promise<Device> {
  const d = await openDevice(browser, server.url, listId);
  devices.push(d);
  return d;
}

function expectError(answer: { status: number; body: unknown; text: string }, status: number, kind: string, message: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  const body = answer.body as ErrorBody;
  expect(body, answer.text).toMatchObject({ kind, message: expect.any(String) });
  expect(body.message).toMatch(message);
}

// ------------------------------------------------------------------------------------------------

test.describe('two server instances on one Postgres', () => {
  let schema = '';

  test.beforeEach(async () => {
    await requirePostgres(test.skip);
    // This run's own schema (the servers create it): runs sharing the database never see each other.
    const name = uniqueName('e2e_sync');
    schema = name;
    cleanups.push(() => dropSchema(name));
  });

  test('deliver each other\'s writes live, in the run\'s own schema', async ({ browser }) => {
    // Same database, schema, NOTIFY channel and signing secret: two instances of one app.
    const env = {
      DATABASE_URL: PG_URL,
      DATABASE_SCHEMA: schema,
      TANDEM_NOTIFY_CHANNEL: uniqueName('tandem_e2e'),
      TANDEM_DEMO_SECRET: randomBytes(32).toString('hex'),
    };
    // Started together: both create the schema and the sync tables, taking turns.
    const [one, two] = await Promise.all([startServer(env), startServer(env)]);

    // First the wire: a socket on instance 2 is poked for a push to instance 1.
    const listId = newListId('pg');
    const { token } = await newSession(one.url);
    const socket = await TestSocket.open(two.url);
    try {
      socket.send({ type: 'hello', token, clientId: newClientId('watcher'), channels: [listId] });
      expect(await socket.next()).toMatchObject({ type: 'ready' });
      const pushed = await syncApi(one.url, token).push(addTodoPush(newClientId(), listId, ['over the wire']));
      expect(pushed.status, pushed.text).toBe(200);
      expect(await socket.next(5_000)).toEqual({ type: 'poke', version: pushed.body.version });
    } finally {
      socket.close();
    }
    // Instance 2 reads what instance 1 wrote (same tables), with a token instance 1 issued.
    expect((await syncApi(two.url, token).todos(listId)).map((t) => t.title)).toEqual(['over the wire']);

    // Then the devices: A on instance 1, B on instance 2, one list.
    const a = await device(browser, one);
    const b = await device(browser, two, a.listId);
    await addTodoViaUi(a.page, 'from A via instance 1');
    await expect(todomvc(b.page).item('from A via instance 1')).toBeVisible({ timeout: 5_000 });
    await addTodoViaUi(b.page, 'from B via instance 2');
    await expect(todomvc(a.page).item('from B via instance 2')).toBeVisible({ timeout: 5_000 });
    await todomvc(b.page).item('from A via instance 1').locator('.toggle').check();
    await expect(todomvc(a.page).item('from A via instance 1')).toHaveClass(/\bcompleted\b/, { timeout: 5_000 });
    await waitSynced(a.page);
    await waitSynced(b.page);
    expect(await listRows(a.page, a.listId)).toEqual(await listRows(b.page, b.listId));

    // The rows live in this run's schema, not in the database's default one.
    const stored = await withPostgres((sql) => sql.unsafe(`select title, completed from "${schema}".todos where list_id = $1 order by created_at, id`, [a.listId]));
    expect(stored.map((r) => [r.title, r.completed])).toEqual([
      ['from A via instance 1', true],
      ['from B via instance 2', false],
    ]);
    const inPublic = await withPostgres((sql) => sql`select to_regclass('public.todos') is not null as exists`);
    if (inPublic[0]!.exists) {
      const leaked = await withPostgres((sql) => sql`select count(*)::int as n from public.todos where list_id = ${a.listId}`);
      expect(leaked[0]!.n).toBe(0);
    }
  });
});

// ------------------------------------------------------------------------------------------------

test.describe('malformed requests are refused and change nothing', () => {
  let server: TandemServer;
  let token = '';
  let listId = '';
  let clientId = '';

  // The project's demo server: each test brings its own session, list and client, and reads the
  // head at its start, so what earlier tests wrote is not in its way.
  test.beforeEach(async ({ server: projectServer }) => {
    server = projectServer;
    ({ token } = await newSession(server.url));
    listId = newListId('bad');
    clientId = newClientId();
    // One todo pushed before: it must still be exactly there afterwards, and nothing else.
    const pushed = await syncApi(server.url, token).push(addTodoPush(clientId, listId, ['before']));
    expect(pushed.status, pushed.text).toBe(200);
    expect(pushed.body.lastSeq).toBe(1);
  });

  async function expectUnchanged(head: number): Promise<void> {
    const api = syncApi(server.url, token);
    expect(await api.head()).toBe(head);
    expect((await api.todos(listId)).map((t) => t.title)).toEqual(['before']);
    // The client's seq did not move either: no refused request consumed one.
    const pulled = await api.pull({ clientId, channels: [{ channel: listId, cursor: head }] });
    expect(pulled.status, pulled.text).toBe(200);
    expect(pulled.body).toMatchObject({ version: head, changes: [], snapshots: [], lastSeq: 1, rejected: [] });
  }

  test('push: non-JSON, wrong shapes and an oversized body get 4xx {kind, message}', async () => {
    const api = syncApi(server.url, token);
    const head = await api.head();
    const valid = (title: string, seq: number) => ({ id: `${clientId}-${seq}`, seq, name: 'addTodo', args: { listId, title }, time: Date.now() });

    expectError(await api.push('{"clientId": "x", "actions": ['), 400, 'invalid_request', /not valid JSON/);
    expectError(await api.push(''), 400, 'invalid_request', /empty/);
    expectError(await api.push([valid('array', 2)]), 400, 'invalid_request', /push request must be a JSON object/);
    expectError(await api.push({ actions: [valid('no client', 2)] }), 400, 'invalid_request', /clientId must be/);
    expectError(await api.push({ clientId, actions: {} }), 400, 'invalid_request', /actions must be an array/);
    // Each refusal below carries a valid action first: the whole request is refused, it does not run.
    expectError(await api.push({ clientId, actions: [valid('ok', 2), valid('same seq', 2)] }), 400, 'invalid_request', /actions\[1\]\.seq 2 is not above the previous action's 2/);
    expectError(await api.push({ clientId, actions: [valid('ok', 3), valid('lower seq', 2)] }), 400, 'invalid_request', /seq order/);
    expectError(await api.push({ clientId, actions: [valid('ok', 2), { ...valid('bad id', 3), id: 'someone-else-3' }] }), 400, 'invalid_request', new RegExp(`actions\\[1\\]\\.id must be "${clientId}-3" \\(clientId-seq\\)`));
    expectError(await api.push({ clientId, actions: [valid('ok', 2)], sneaky: true }), 400, 'invalid_request', /unknown field\(s\) "sneaky"/);
    expectError(await api.push({ clientId, actions: [{ ...valid('ok', 2), user: 'admin' }] }), 400, 'invalid_request', /actions\[0\] has unknown field\(s\) "user"/);
    expectError(await api.push({ clientId, actions: [{ ...valid('ok', 2), seq: 0, id: `${clientId}-0` }] }), 400, 'invalid_request', /seq must be an integer ≥ 1/);
    expectError(await api.push({ clientId: 'has spaces', actions: [] }), 400, 'invalid_request', /clientId must be 1-200 characters/);

    // Over the 4 MiB limit: 413 before the body is read (declared length) …
    const huge = JSON.stringify({ clientId, actions: [valid('x'.repeat(4 * 1024 * 1024 + 10), 2)] });
    expectError(await api.push(huge), 413, 'too_large', /larger than 4194304 bytes/);
    // … and while reading it when no length is declared (chunked).
    const chunked = await fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(token) },
      body: new ReadableStream({
        start(controller) {
          const bytes = new TextEncoder().encode(huge);
          for (let i = 0; i < bytes.length; i += 256 * 1024) controller.enqueue(bytes.subarray(i, i + 256 * 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expectError({ status: chunked.status, body: await chunked.json(), text: '' }, 413, 'too_large', /larger than/);

    await expectUnchanged(head);
  });

  test('pull: non-JSON and wrong shapes get 400 {kind, message} and no rows', async () => {
    const api = syncApi(server.url, token);
    const head = await api.head();
    const cases: [unknown, RegExp][] = [
      ['channels=' + listId, /not valid JSON/],
      [{ clientId, channels: listId }, /channels must be an array/],
      [{ clientId, channels: { [listId]: 0 } }, /channels must be an array/],
      [{ clientId, channels: [listId] }, /channels\[0\] must be a JSON object/],
      [{ clientId, channels: [{ channel: listId, cursor: -1 }] }, /channels\[0\]\.cursor must be an integer ≥ 0/],
      [{ clientId, channels: [{ channel: listId, cursor: '0' }] }, /channels\[0\]\.cursor must be an integer/],
      [{ clientId, channels: [{ channel: listId, cursor: 0 }, { channel: listId, cursor: 1 }] }, /listed twice/],
      [{ clientId, channels: [{ channel: listId, cursor: 0, since: 5 }] }, /channels\[0\] has unknown field\(s\) "since"/],
      [{ clientId, channels: [{ channel: listId, cursor: 0 }], all: true }, /pull request has unknown field\(s\) "all"/],
      [{ clientId, channels: [{ channel: '', cursor: 0 }] }, /channels\[0\]\.channel must be a channel name of 1-200 characters/],
      [{ clientId, channels: [{ channel: listId, cursor: 0 }], pendingFrom: 0 }, /pendingFrom must be an integer ≥ 1/],
    ];
    for (const [body, message] of cases) {
      const answer = await api.pull(body);
      expectError(answer, 400, 'invalid_request', message);
      expect(answer.body).not.toHaveProperty('snapshots');
      expect(answer.body).not.toHaveProperty('changes');
    }
    expectError(await api.pull(JSON.stringify({ clientId, channels: [{ channel: listId, cursor: 0 }], pad: 'x'.repeat(4 * 1024 * 1024) })), 413, 'too_large', /larger than/);
    await expectUnchanged(head);
  });

  test('socket: a malformed message gets {type: error} and a 44xx close; a good hello still works', async () => {
    const head = await syncApi(server.url, token).head();
    const cases: { send: string | Buffer | object; code: number; kind: string; message: RegExp }[] = [
      { send: 'hello?', code: 4400, kind: 'invalid_request', message: /not valid JSON/ },
      { send: Buffer.from([1, 2, 3]), code: 4400, kind: 'invalid_request', message: /text frames, not binary/ },
      { send: [{ type: 'hello' }], code: 4400, kind: 'invalid_request', message: /socket message must be a JSON object/ },
      { send: { type: 'subscribe', channels: [listId] }, code: 4400, kind: 'invalid_request', message: /type "subscribe" is unknown/ },
      { send: { type: 'channels', channels: [listId] }, code: 4400, kind: 'invalid_request', message: /first socket message must be "hello"/ },
      { send: { type: 'hello', token, clientId, channels: listId }, code: 4400, kind: 'invalid_request', message: /hello\.channels must be an array/ },
      { send: { type: 'hello', token, clientId, channels: [listId], since: 0 }, code: 4400, kind: 'invalid_request', message: /hello has unknown field\(s\) "since"/ },
      { send: { type: 'hello', token, clientId: '', channels: [listId] }, code: 4400, kind: 'invalid_request', message: /hello\.clientId must be/ },
      { send: { type: 'hello', clientId, channels: [listId] }, code: 4401, kind: 'unauthorized', message: /Missing credentials/ },
      { send: { type: 'hello', token: `${token}x`, clientId, channels: [listId] }, code: 4401, kind: 'unauthorized', message: /not accepted/ },
      { send: { type: 'hello', token, clientId, channels: [listId, 'not a list!'] }, code: 4403, kind: 'forbidden', message: /"not a list!"/ },
    ];
    for (const c of cases) {
      const socket = await TestSocket.open(server.url);
      try {
        socket.send(c.send);
        const message = (await socket.next()) as { type: string; error: ErrorBody };
        expect(message, JSON.stringify(c.send).slice(0, 80)).toMatchObject({ type: 'error', error: { kind: c.kind } });
        expect(message.error.message).toMatch(c.message);
        expect((await socket.waitClosed()).code).toBe(c.code);
        expect(socket.messages).toHaveLength(1);
      } finally {
        socket.close();
      }
    }

    // A second "hello" on a ready socket is refused too.
    const socket = await TestSocket.open(server.url);
    try {
      socket.send({ type: 'hello', token, clientId, channels: [listId] });
      expect(await socket.next()).toEqual({ type: 'ready', version: head });
      socket.send({ type: 'hello', token, clientId, channels: [listId] });
      expect(await socket.next()).toMatchObject({ type: 'error', error: { kind: 'invalid_request', message: expect.stringMatching(/already received/) } });
      expect((await socket.waitClosed()).code).toBe(4400);
    } finally {
      socket.close();
    }
    await expectUnchanged(head);
  });
});

// ------------------------------------------------------------------------------------------------

test.describe('read authorisation', () => {
  let server: TandemServer;
  test.beforeEach(async ({ server: projectServer }) => {
    server = projectServer; // the project's: these tests read only their own new lists
  });

  test('a channel outside the read rule is 403 forbidden, named, with no rows', async () => {
    const { token } = await newSession(server.url);
    const listId = newListId('mine');
    const api = syncApi(server.url, token);
    expect((await api.push(addTodoPush(newClientId(), listId, ['readable']))).status).toBe(200);

    for (const bad of ['../etc', 'list with spaces', 'x'.repeat(101), 'todos;drop']) {
      // Alone, and next to a list the user may read: nothing of either comes back.
      for (const channels of [[bad], [listId, bad]]) {
        const answer = await api.pull({ clientId: newClientId(), channels: channels.map((channel) => ({ channel, cursor: 0 })) });
        expectError(answer, 403, 'forbidden', new RegExp(`may not read channel ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        expect(answer.body).toMatchObject({ details: { channel: bad } });
        expect(answer.text).not.toContain('readable');
        expect(answer.body).not.toHaveProperty('snapshots');
      }
    }
    // The readable list alone is fine.
    expect((await api.todos(listId)).map((t) => t.title)).toEqual(['readable']);
  });

  test('no token, a malformed header or a bad token is 401, for pull and push', async () => {
    const { token } = await newSession(server.url);
    const listId = newListId('auth');
    const api = syncApi(server.url, token);
    const before = await api.head();
    const pull = { clientId: newClientId(), channels: [{ channel: listId, cursor: 0 }] };
    const push = addTodoPush(newClientId(), listId, ['should not exist']);
    // A real token with its signature altered (same header and claims), and one signed with another key.
    const [head, claims, signature] = token.split('.');
    const tampered = `${head}.${claims}.${signature!.slice(0, -4)}${signature!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const other = await startDemoServer({ env: { TANDEM_DEMO_SECRET: randomBytes(32).toString('hex') } });
    servers.push(other);
    const foreign = (await newSession(other.url)).token;

    for (const [headers, message] of [
      [{}, /Missing credentials/],
      [{ Authorization: `Token ${token}` }, /must be "Bearer <token>"/],
      [bearer('not-a-jwt'), /not accepted/],
      [bearer(tampered), /not accepted/],
      [bearer(foreign), /not accepted/],
    ] as [Record<string, string>, RegExp][]) {
      expectError(await api.pull(pull, headers), 401, 'unauthorized', message);
      expectError(await api.push(push, headers), 401, 'unauthorized', message);
    }
    expect(await api.todos(listId)).toEqual([]);
    expect(await api.head()).toBe(before); // no refused request committed anything
  });
});

// ------------------------------------------------------------------------------------------------

test.describe('admin endpoints', () => {
  test('a server-invoked action reaches every subscribed device live', async ({ browser }) => {
    const server = await startServer({ TANDEM_ADMIN_TOKEN: ADMIN_TOKEN });
    const a = await device(browser, server);
    const b = await device(browser, server, a.listId);
    await addTodoViaUi(a.page, 'from a device');
    await expect(todomvc(b.page).item('from a device')).toBeVisible();

    const invoked = await post<{ result: string }>(`${server.url}/api/admin/invoke`, { name: 'addTodo', args: { listId: a.listId, title: 'from the server' } }, bearer(ADMIN_TOKEN));
    expect(invoked.status, invoked.text).toBe(200);
    expect(invoked.body.result).toEqual(expect.any(String));
    for (const d of [a, b]) await expect(todomvc(d.page).labels).toHaveText(['from a device', 'from the server'], { timeout: 5_000 });
    for (const d of [a, b]) expect((await listRows(d.page, d.listId)).find((r) => r.title === 'from the server')?.id).toBe(invoked.body.result);

    // The devices can work on it like on their own todos.
    await todomvc(b.page).item('from the server').locator('.toggle').check();
    await expect(todomvc(a.page).item('from the server')).toHaveClass(/\bcompleted\b/);
  });

  test('refuse missing or wrong tokens and bad input with {kind, message}, changing nothing', async () => {
    const server = await startServer({ TANDEM_ADMIN_TOKEN: ADMIN_TOKEN });
    const { token } = await newSession(server.url);
    const listId = newListId('admin');
    const api = syncApi(server.url, token);
    const invoke = (body: unknown, headers = bearer(ADMIN_TOKEN)) => post(`${server.url}/api/admin/invoke`, body, headers);
    const good = { name: 'addTodo', args: { listId, title: 'only this one' } };

    expectError(await invoke(good, {}), 401, 'unauthorized', /Authorization: Bearer/);
    expectError(await invoke(good, { Authorization: `Basic ${ADMIN_TOKEN}` }), 401, 'unauthorized', /Bearer/);
    expectError(await invoke(good, bearer(`${ADMIN_TOKEN}x`)), 403, 'forbidden', /not the admin token/);
    // A user's session token is not an admin token.
    expectError(await invoke(good, bearer(token)), 403, 'forbidden', /not the admin token/);
    expectError(await post(`${server.url}/api/admin/compact`, {}, bearer(token)), 403, 'forbidden', /not the admin token/);
    expectError(await invoke('{"name": "addTodo",'), 400, 'invalid_request', /not valid JSON/);
    expectError(await invoke({ args: good.args }), 400, 'invalid_request', /"name" must be/);
    expectError(await invoke({ name: 'addTodo' }), 400, 'invalid_request', /"args" is required/);
    expectError(await invoke({ ...good, user: 'root' }), 400, 'invalid_request', /Unknown field\(s\) "user"/);
    expectError(await invoke({ name: 'dropEverything', args: {} }), 400, 'unknown_action', /Unknown action "dropEverything"/);
    expectError(await invoke({ name: 'addTodo', args: { listId, title: '   ' } }), 400, 'invalid_args', /needs a title/);
    expectError(await invoke({ name: 'toggleTodo', args: { id: 'no-such-todo', completed: true } }), 422, 'action_failed', /Cannot toggle todo "no-such-todo": it does not exist/);
    expectError(await post(`${server.url}/api/admin/compact`, { version: -1 }, bearer(ADMIN_TOKEN)), 400, 'invalid_request', /"version" must be an integer/);
    expectError(await post(`${server.url}/api/admin/compact`, { version: 999 }, bearer(ADMIN_TOKEN)), 400, 'invalid_request', /the head is 0/);
    expect(await api.head()).toBe(0);

    const ok = await invoke(good);
    expect(ok.status, ok.text).toBe(200);
    expect((await api.todos(listId)).map((t) => t.title)).toEqual(['only this one']);
    expect(await api.head()).toBe(1);
  });

  test('are off (404) without TANDEM_ADMIN_TOKEN', async () => {
    const server = await startServer();
    const { token } = await newSession(server.url);
    for (const path of ['/api/admin/invoke', '/api/admin/compact']) {
      for (const headers of [{}, bearer(''), bearer(token), bearer('undefined')]) {
        expectError(await post(`${server.url}${path}`, { name: 'addTodo', args: { listId: 'x', title: 'y' } }, headers), 404, 'invalid_request', /TANDEM_ADMIN_TOKEN/);
      }
    }
    expect(await syncApi(server.url, token).head()).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------

test.describe('reset after compaction', () => {
  test('a device behind the horizon gets a snapshot, ends with the server\'s rows and keeps its pending add', async ({ browser }) => {
    const server = await startServer({ TANDEM_ADMIN_TOKEN: ADMIN_TOKEN });
    const a = await device(browser, server);
    const b = await device(browser, server, a.listId);
    const listId = a.listId;
    await addTodoViaUi(a.page, 'first');
    await expect(todomvc(b.page).item('first')).toBeVisible();
    await waitSynced(a.page);
    await waitSynced(b.page);
    const cursorOfA = (await syncStatus(a.page)).channels.find((c) => c.channel === listId)!.cursor;
    expect(cursorOfA).toBeGreaterThan(0);

    // A goes away with a change the server has not seen: the server is down while A adds, then A's
    // only page closes (its SharedWorker with it; the context keeps A's IndexedDB).
    await server.stop();
    await addTodoViaUi(a.page, 'added while away');
    await expect(todomvc(a.page).labels).toHaveText(['first', 'added while away']);
    await expect.poll(async () => (await syncStatus(a.page)).pending).toBe(1);
    await a.page.close();
    await server.start();

    // Meanwhile B adds and the server compacts its change log up to the head.
    await waitSynced(b.page, 40_000);
    await addTodoViaUi(b.page, 'B one');
    await addTodoViaUi(b.page, 'B two');
    await expect(todomvc(b.page).labels).toHaveText(['first', 'B one', 'B two']);
    await waitSynced(b.page);
    const { token } = await newSession(server.url);
    const api = syncApi(server.url, token);
    expect((await api.todos(listId)).map((t) => t.title)).toEqual(['first', 'B one', 'B two']);
    // Before compaction A's cursor gets the missed changes …
    const before = await api.pull({ clientId: newClientId(), channels: [{ channel: listId, cursor: cursorOfA }] });
    expect(before.body.snapshots).toEqual([]);
    expect(before.body.changes.map((c) => c.row?.title)).toEqual(['B one', 'B two']);
    const compacted = await post<{ horizon: number }>(`${server.url}/api/admin/compact`, {}, bearer(ADMIN_TOKEN));
    expect(compacted.status, compacted.text).toBe(200);
    expect(compacted.body.horizon).toBe(await api.head());
    // … after it, only a snapshot: the changes are gone.
    const after = await api.pull({ clientId: newClientId(), channels: [{ channel: listId, cursor: cursorOfA }] });
    expect(after.body.changes).toEqual([]);
    expect(after.body.snapshots.map((s) => s.channel)).toEqual([listId]);

    // A really was away: its add has not reached the server.
    expect((await api.todos(listId)).map((t) => t.title)).toEqual(['first', 'B one', 'B two']);

    // A comes back: snapshot, its pending add replayed on it and pushed.
    a.page = await a.context.newPage();
    await a.page.goto(`/?list=${encodeURIComponent(listId)}`);
    await waitReady(a.page);
    await waitSynced(a.page, 40_000);
    // (Ordered by creation time: A's add is older than B's.)
    await expect(todomvc(a.page).labels).toHaveText(['first', 'added while away', 'B one', 'B two'], { timeout: 10_000 });
    const serverRows = await api.todos(listId);
    expect(serverRows.map((t) => t.title)).toEqual(['first', 'added while away', 'B one', 'B two']);
    expect(await listRows(a.page, listId)).toEqual(serverRows);
    await expect(todomvc(b.page).item('added while away')).toBeVisible();
    await waitSynced(b.page);
    expect(await listRows(b.page, listId)).toEqual(serverRows);
  });
});
