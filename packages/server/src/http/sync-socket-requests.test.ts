// Push and pull over the sync socket: the same bodies, checks and statuses as the HTTP routes,
// answered by id, with the socket left open after a refused request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { ACTIONS, CHANNELS, SCHEMA, TOKENS, authenticate, canRead, notesPush, openSocket, post, readySocket, recordingLogger } from './sync-app.fixture.ts';

describe('push and pull over the sync socket (real server, PGlite, real WebSockets)', () => {
  let server: TandemServer;
  const logger = recordingLogger();
  const notesIn = async (room: string) => (await server.driver.query<{ body: string }>('select body from notes where room = $1 order by id', [room])).map((r) => r.body);

  beforeAll(async () => {
    server = await startTandemServer({ port: 0, schema: SCHEMA, channels: CHANNELS, actions: ACTIONS, database: { dataDir: 'memory://' }, authenticate, canRead, logger, bodyLimit: 64 * 1024 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('pushes: answered like HTTP, a repeat is a no-op, and other sockets are poked with the changes', async () => {
    const { socket: watcher } = await readySocket(server.url, ['room-sp'], 'bob-token', 'watcher');
    const { socket } = await readySocket(server.url, ['room-sp'], 'alice-token', 'sp-client');
    const { actions } = notesPush('sp-client', [{ room: 'room-sp', body: 'over the socket' }]);
    socket.send({ type: 'push', id: 1, actions });
    const answer = await socket.next();
    expect(answer).toMatchObject({ type: 'pushed', id: 1, response: { lastSeq: 1, rejected: [] } });
    const version = answer.type === 'pushed' ? answer.response.version : -1;
    // The answer carries the commit, as the other sockets' pokes do: the pusher need not pull.
    expect(answer).toMatchObject({ response: { version, changes: [{ version, channel: 'room-sp', op: 'insert', row: { body: 'over the socket' } }] } });
    expect(await watcher.next()).toMatchObject({ type: 'poke', version, changes: [{ row: { body: 'over the socket' } }] });

    socket.send({ type: 'push', id: 2, actions });
    expect(await socket.next()).toEqual({ type: 'pushed', id: 2, response: { lastSeq: 1, rejected: [], version } });
    expect(await notesIn('room-sp')).toEqual(['over the socket']);
    await socket.close();
    await watcher.close();
  });

  it('a push into a channel the socket did not subscribe is answered without its changes', async () => {
    const { socket } = await readySocket(server.url, ['room-sub'], 'alice-token', 'sub-client');
    socket.send({ type: 'push', id: 1, actions: notesPush('sub-client', [{ room: 'room-elsewhere', body: 'not subscribed' }]).actions });
    const answer = await socket.next();
    expect(answer).toMatchObject({ type: 'pushed', id: 1, response: { lastSeq: 1, rejected: [] } });
    expect(answer.type === 'pushed' && 'changes' in answer.response).toBe(false);
    // Over HTTP, never: the client pulls after it.
    const http = await post(server.url, '/sync/push', notesPush('sub-http', [{ room: 'room-sub', body: 'over http' }]));
    expect(http.status).toBe(200);
    expect('changes' in http.body).toBe(false);
    await socket.close();
  });

  it('pulls: the same response as HTTP for the same request', async () => {
    await post(server.url, '/sync/push', notesPush('pl-writer', [{ room: 'room-pl', body: 'a' }, { room: 'room-pl', body: 'b' }]));
    const { socket } = await readySocket(server.url, ['room-pl'], 'alice-token', 'pl-client');
    socket.send({ type: 'pull', id: 7, channels: [{ channel: 'room-pl', cursor: 0 }] });
    const answer = await socket.next();
    const http = await post(server.url, '/sync/pull', { clientId: 'pl-client', channels: [{ channel: 'room-pl', cursor: 0 }] });
    expect(answer).toEqual({ type: 'pulled', id: 7, response: http.body });
    await socket.close();
  });

  it('refuses a bad request with a clear error, changes nothing, and keeps the socket open', async () => {
    const { socket } = await readySocket(server.url, ['room-bad'], 'alice-token', 'bad-client');
    // Another client's action ids: the client id is hello's.
    socket.send({ type: 'push', id: 1, actions: notesPush('someone-else', [{ room: 'room-bad', body: 'x' }]).actions });
    expect(await socket.next()).toMatchObject({ type: 'failed', id: 1, status: 400, error: { kind: 'invalid_request', message: expect.stringMatching(/actions\[0\]\.id must be "bad-client-1"/) } });
    socket.send({ type: 'pull', id: 2, channels: [{ channel: 'secret-x', cursor: 0 }] });
    expect(await socket.next()).toMatchObject({ type: 'failed', id: 2, status: 403, error: { kind: 'forbidden', details: { channel: 'secret-x' } } });
    socket.send({ type: 'pull', id: 3, channels: [{ channel: 'room-bad', cursor: -1 }] });
    expect(await socket.next()).toMatchObject({ type: 'failed', id: 3, status: 400, error: { message: expect.stringMatching(/cursor must be an integer/) } });
    const big = notesPush('bad-client', [{ room: 'room-bad', body: 'y'.repeat(70 * 1024) }]);
    socket.send({ type: 'push', id: 4, actions: big.actions });
    expect(await socket.next()).toMatchObject({ type: 'failed', id: 4, status: 413, error: { kind: 'too_large' } });
    expect(await notesIn('room-bad')).toEqual([]);
    // Still open and usable.
    socket.send({ type: 'push', id: 5, actions: notesPush('bad-client', [{ room: 'room-bad', body: 'fine' }]).actions });
    expect(await socket.next()).toMatchObject({ type: 'pushed', id: 5 });
    expect(await notesIn('room-bad')).toEqual(['fine']);
    await socket.close();
  });

  it('checks the token per request: one revoked after hello stops working (401), the socket stays', async () => {
    TOKENS['carol-token'] = 'carol';
    const { socket } = await readySocket(server.url, ['room-tok'], 'carol-token', 'carol-client');
    delete TOKENS['carol-token'];
    socket.send({ type: 'push', id: 1, actions: notesPush('carol-client', [{ room: 'room-tok', body: 'late' }]).actions });
    expect(await socket.next()).toMatchObject({ type: 'failed', id: 1, status: 401, error: { kind: 'unauthorized' } });
    expect(await notesIn('room-tok')).toEqual([]);
    await socket.close();
  });

  it('closes the socket (4400) for a request without an id or before hello', async () => {
    const { socket } = await readySocket(server.url, ['room-x'], 'alice-token', 'noid');
    socket.send({ type: 'push', actions: [] });
    expect(await socket.next()).toMatchObject({ type: 'error', error: { message: expect.stringMatching(/push message id must be an integer/) } });
    expect((await socket.closed).code).toBe(4400);

    const early = await openSocket(server.url);
    early.send({ type: 'pull', id: 1, channels: [] });
    expect(await early.next()).toMatchObject({ type: 'error', error: { message: expect.stringMatching(/first socket message must be "hello"/) } });
    expect((await early.closed).code).toBe(4400);
  });

  it('logged no unexpected errors', () => {
    expect(logger.errors).toEqual([]);
  });
});
