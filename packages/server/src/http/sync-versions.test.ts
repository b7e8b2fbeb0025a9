import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { SocketClose } from './socket-session.ts';
import { TASKS_CHANNELS, TASKS_SCHEMA, taskClient, tasksV1, tasksV1Migrations } from '../test-support/versioned-app.ts';
import { authenticate, canRead, openSocket, post, recordingLogger } from './sync-app.fixture.ts';

describe('schema versions over HTTP and the socket (real server, PGlite)', () => {
  let server: TandemServer;
  const logger = recordingLogger();

  beforeAll(async () => {
    server = await startTandemServer({
      port: 0,
      schema: TASKS_SCHEMA,
      channels: TASKS_CHANNELS,
      actions: tasksV1,
      migrations: tasksV1Migrations,
      database: { dataDir: 'memory://' },
      authenticate,
      canRead,
      logger,
    });
  });
  afterAll(async () => {
    await server?.close();
    // Every refusal here is a typed answer, never an unexpected (logged) failure.
    expect(logger.errors).toEqual([]);
  });

  const pull = (clientId: string, board: string, schemaVersion?: number) =>
    post(server.url, '/sync/pull', { clientId, channels: [{ channel: board, cursor: 0 }], ...(schemaVersion !== undefined && { schemaVersion }) });
  const tasksIn = (body: any) => (body.snapshots as any[]).flatMap((s) => s.tables.tasks ?? []);

  it('reports its schema version in health', async () => {
    const res = await fetch(`${server.url}/sync/health`);
    expect(await res.json()).toEqual({ ok: true, version: expect.any(Number), schemaVersion: 1 });
  });

  it("runs an older client's push with upgraded args, and refuses its pull with update_required", async () => {
    const c = taskClient('http-old');
    // A client from before versioning sends no schemaVersion: version 0, `text` instead of `title`.
    const pushed = await post(server.url, '/sync/push', { clientId: c.id, actions: [c.next('addTask', { boardId: 'hb1', id: 'h1', text: 'renamed' })] });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ lastSeq: 1, rejected: [] });

    const refused = await pull(c.id, 'hb1');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ kind: 'update_required', message: expect.stringMatching(/reload/), details: { clientVersion: 0, serverVersion: 1 } });
    const current = await pull(c.id, 'hb1', 1);
    expect(current.status).toBe(200);
    expect(tasksIn(current.body)).toEqual([{ id: 'h1', board_id: 'hb1', title: 'renamed', priority: 0 }]);
  });

  it('answers an action the server no longer has with a typed rejection, and later pushes still work', async () => {
    const c = taskClient('http-gone');
    const first = await post(server.url, '/sync/push', { clientId: c.id, schemaVersion: 0, actions: [c.next('archive', { id: 'h1' })] });
    expect(first.status).toBe(200);
    expect(first.body.rejected).toEqual([
      { id: 'http-gone-1', seq: 1, name: 'archive', args: { id: 'h1' }, error: { kind: 'unknown_action', message: expect.any(String), details: { name: 'archive' } } },
    ]);
    const next = await post(server.url, '/sync/push', { clientId: c.id, schemaVersion: 1, actions: [c.next('addTask', { boardId: 'hb2', id: 'h2', title: 'after', priority: 2 })] });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ lastSeq: 2, rejected: [] });
    expect(tasksIn((await pull(c.id, 'hb2', 1)).body)).toEqual([{ id: 'h2', board_id: 'hb2', title: 'after', priority: 2 }]);
  });

  it('refuses a newer client with 409 server_outdated on push and pull, running nothing', async () => {
    const head = (await (await fetch(`${server.url}/sync/health`)).json()).version;
    const c = taskClient('http-new');
    const pushed = await post(server.url, '/sync/push', { clientId: c.id, schemaVersion: 2, actions: [c.next('addTask', { boardId: 'hb3', id: 'h3', title: 'x', priority: 1 })] });
    expect(pushed.status).toBe(409);
    expect(pushed.body).toMatchObject({ kind: 'server_outdated', details: { clientVersion: 2, serverVersion: 1 } });
    const pulled = await pull(c.id, 'hb3', 2);
    expect(pulled.status).toBe(409);
    expect(pulled.body.kind).toBe('server_outdated');
    expect((await (await fetch(`${server.url}/sync/health`)).json()).version).toBe(head);
  });

  it('refuses a bad schemaVersion as an invalid request', async () => {
    const res = await pull('http-bad', 'hb1', -1 as number);
    expect(res.status).toBe(400);
    expect(res.body.kind).toBe('invalid_request');
  });

  it('closes a socket whose hello has another schema version with its kind and 4409', async () => {
    for (const [version, kind] of [
      [undefined, 'update_required'],
      [0, 'update_required'],
      [2, 'server_outdated'],
    ] as const) {
      const socket = await openSocket(server.url);
      socket.send({ type: 'hello', token: 'alice-token', clientId: 'sock-v', channels: ['hb1'], ...(version !== undefined && { schemaVersion: version }) });
      expect(await socket.next()).toMatchObject({ type: 'error', error: { kind } });
      expect(await socket.closed).toEqual({ code: SocketClose.version, reason: kind.replace('_', ' ') });
    }
    expect(server.tandem.stats().subscriptions).toBe(0);
  });

  it('serves a socket at its own version: ready, and pushes answered with their changes', async () => {
    const socket = await openSocket(server.url);
    socket.send({ type: 'hello', token: 'alice-token', clientId: 'sock-cur', channels: ['hb4'], schemaVersion: 1 });
    expect(await socket.next()).toMatchObject({ type: 'ready' });
    const c = taskClient('sock-cur');
    socket.send({ type: 'push', id: 1, actions: [c.next('addTask', { boardId: 'hb4', id: 'h4', title: 'live', priority: 3 })] });
    expect(await socket.next()).toMatchObject({
      type: 'pushed',
      id: 1,
      response: { lastSeq: 1, rejected: [], changes: [{ table: 'tasks', row: { id: 'h4', title: 'live', priority: 3 } }] },
    });
    socket.send({ type: 'pull', id: 2, channels: [{ channel: 'hb4', cursor: 0 }] });
    expect(await socket.next()).toMatchObject({ type: 'pulled', id: 2, response: { snapshots: [{ channel: 'hb4' }] } });
    await socket.close();
  });
});
