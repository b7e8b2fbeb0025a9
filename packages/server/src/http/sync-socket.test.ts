import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { ACTIONS, CHANNELS, NOTES_SERVER, SCHEMA, authenticate, canRead, notesPush, openSocket, post, readySocket, recordingLogger } from './sync-app.fixture.ts';

describe('sync socket (real server, PGlite, real WebSockets)', () => {
  let server: TandemServer;
  const logger = recordingLogger();
  let seq = 0;
  /** Pushes one note as alice (from her own client) and returns the commit version. */
  async function pushNote(room: string, body = 'note'): Promise<number> {
    seq++;
    const res = await post(server.url, '/sync/push', notesPush('alice-client', [{ room, body }], seq));
    expect(res.status).toBe(200);
    expect(res.body.lastSeq).toBe(seq);
    return res.body.version as number;
  }

  beforeAll(async () => {
    server = await startTandemServer({
      ...NOTES_SERVER,
      logger,
      helloTimeoutMs: 1000,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers hello with ready at the head version', async () => {
    const version = await pushNote('room-h');
    const { socket, version: ready } = await readySocket(server.url, ['room-h']);
    expect(ready).toBe(version);
    expect(server.tandem.stats().subscriptions).toBe(1);
    await socket.close();
  });

  it("pokes a subscriber after another client's push on its channel, and not for other channels", async () => {
    const { socket } = await readySocket(server.url, ['room-a']);
    const versionA = await pushNote('room-a');
    expect(await socket.next()).toMatchObject({ type: 'poke', version: versionA });

    // A commit on room-b is not announced: the next message is the poke for the later room-a push.
    const versionB = await pushNote('room-b');
    const versionA2 = await pushNote('room-a');
    expect(versionA2).toBeGreaterThan(versionB);
    expect(await socket.next()).toMatchObject({ type: 'poke', version: versionA2 });
    await socket.close();
  });

  it("carries a small commit's changes, cut to the socket's channels, exactly as a pull returns them", async () => {
    const { socket } = await readySocket(server.url, ['room-c1']);
    const before = (await post(server.url, '/sync/pull', { clientId: 'reader', channels: [{ channel: 'room-c1', cursor: 0 }] })).body.version as number;
    const pushed = await post(server.url, '/sync/push', notesPush('two-rooms', [{ room: 'room-c1', body: 'one' }, { room: 'room-c2', body: 'two' }, { room: 'room-c1', body: 'three' }]));
    const poke = await socket.next();
    const pulled = await post(server.url, '/sync/pull', { clientId: 'reader', channels: [{ channel: 'room-c1', cursor: before }] });
    expect(pulled.body.version).toBe(pushed.body.version);
    expect(poke).toEqual({ type: 'poke', version: pushed.body.version, changes: pulled.body.changes });
    expect(poke.type === 'poke' && poke.changes!.map((c) => [c.channel, c.row?.body])).toEqual([
      ['room-c1', 'one'],
      ['room-c1', 'three'],
    ]);
    await socket.close();
  });

  it("splices a commit's changes as Postgres wrote them for a socket following all its channels, in capture order", async () => {
    const { socket } = await readySocket(server.url, ['room-d1', 'room-d2']);
    const cursors = [{ channel: 'room-d1', cursor: 0 }, { channel: 'room-d2', cursor: 0 }];
    const before = (await post(server.url, '/sync/pull', { clientId: 'reader', channels: cursors })).body.version as number;
    const pushed = await post(server.url, '/sync/push', notesPush('two-rooms-all', [{ room: 'room-d2', body: 'one' }, { room: 'room-d1', body: 'two "quoted"\n' }, { room: 'room-d2', body: 'three ü' }]));
    const poke = await socket.next();
    const pulled = await post(server.url, '/sync/pull', { clientId: 'reader', channels: cursors.map((c) => ({ ...c, cursor: before })) });
    expect(poke).toEqual({ type: 'poke', version: pushed.body.version, changes: pulled.body.changes });
    expect(poke.type === 'poke' && poke.changes!.map((c) => [c.channel, c.row?.body])).toEqual([
      ['room-d2', 'one'],
      ['room-d1', 'two "quoted"\n'],
      ['room-d2', 'three ü'],
    ]);
    await socket.close();
  });

  it("does not poke the pushing client's own socket (its push is followed by its own pull)", async () => {
    const { socket } = await readySocket(server.url, ['room-own'], 'bob-token', 'own-client');
    await post(server.url, '/sync/push', notesPush('own-client', [{ room: 'room-own', body: 'mine' }]));
    const marker = await pushNote('room-own');
    expect(await socket.next()).toMatchObject({ type: 'poke', version: marker });
    await socket.close();
  });

  it('announces a commit too large to carry without its changes', async () => {
    const big = await startTandemServer({ port: 0, schema: SCHEMA, channels: CHANNELS, actions: ACTIONS, database: { dataDir: 'memory://' }, authenticate, canRead, commitChanges: 1 });
    try {
      const { socket } = await readySocket(big.url, ['room-big']);
      const one = await post(big.url, '/sync/push', notesPush('big-client', [{ room: 'room-big', body: 'one' }]));
      expect(await socket.next()).toMatchObject({ type: 'poke', version: one.body.version, changes: [{ row: { body: 'one' } }] });
      const two = await post(big.url, '/sync/push', notesPush('big-client', [{ room: 'room-big', body: 'a' }, { room: 'room-big', body: 'b' }], 2));
      expect(await socket.next()).toEqual({ type: 'poke', version: two.body.version });
      await socket.close();
    } finally {
      await big.close();
    }
  });

  it('does not poke for a repeated (no-op) push', async () => {
    const { socket } = await readySocket(server.url, ['room-rep']);
    const body = notesPush('rep-client', [{ room: 'room-rep', body: 'once' }]);
    const first = await post(server.url, '/sync/push', body);
    expect(await socket.next()).toMatchObject({ type: 'poke', version: first.body.version });
    await post(server.url, '/sync/push', body);
    const marker = await pushNote('room-rep');
    expect(await socket.next()).toMatchObject({ type: 'poke', version: marker });
    await socket.close();
  });

  it('replaces the subscription on a channels message', async () => {
    const { socket } = await readySocket(server.url, ['room-x']);
    socket.send({ type: 'channels', channels: ['room-y'] });
    const ready = await socket.next();
    expect(ready.type).toBe('ready');
    await pushNote('room-x');
    const y = await pushNote('room-y');
    expect(await socket.next()).toMatchObject({ type: 'poke', version: y, changes: [{ channel: 'room-y' }] });
    await socket.close();
  });

  it('pokes subscribers when the server invokes an action', async () => {
    const { socket } = await readySocket(server.url, ['room-srv']);
    const { result, commit } = await server.invoke('addNote', { room: 'room-srv', body: 'from a job' }, { id: 'job' });
    expect(typeof result).toBe('string');
    expect(commit.channels).toContain('room-srv');
    expect(await socket.next()).toMatchObject({ type: 'poke', version: commit.version, changes: [{ actionId: expect.stringMatching(/^server-/), row: { body: 'from a job' } }] });
    await socket.close();
  });

  it('closes with 4400 after a malformed message, 4400 for channels before hello', async () => {
    const notJson = await openSocket(server.url);
    notJson.send('{not json');
    const error = await notJson.next();
    expect(error).toMatchObject({ type: 'error', error: { kind: 'invalid_request' } });
    expect(error.type === 'error' && error.error.message).toMatch(/not valid JSON/);
    expect(await notJson.closed).toEqual({ code: 4400, reason: 'invalid message' });

    const early = await openSocket(server.url);
    early.send({ type: 'channels', channels: ['room-a'] });
    const earlyError = await early.next();
    expect(earlyError.type === 'error' && earlyError.error.message).toMatch(/first socket message must be "hello"/);
    expect((await early.closed).code).toBe(4400);

    const badHello = await openSocket(server.url);
    badHello.send({ type: 'hello', token: 'bob-token', clientId: 'has spaces', channels: [] });
    const badHelloError = await badHello.next();
    expect(badHelloError.type === 'error' && badHelloError.error.message).toMatch(/hello\.clientId must be/);
    expect((await badHello.closed).code).toBe(4400);
  });

  it('closes a subscriber that sends garbage after ready, and stops poking it', async () => {
    const { socket } = await readySocket(server.url, ['room-g']);
    socket.send({ type: 'hello', token: 'bob-token', clientId: 'again', channels: ['room-g'] });
    const error = await socket.next();
    expect(error.type === 'error' && error.error.message).toMatch(/already received/);
    expect((await socket.closed).code).toBe(4400);
    await pushNote('room-g');
    expect(server.tandem.stats().subscriptions).toBe(0);
  });

  it('closes with 4401 for a missing or bad token', async () => {
    for (const token of [undefined, 'wrong-token']) {
      const socket = await openSocket(server.url);
      socket.send({ type: 'hello', ...(token && { token }), clientId: 'sock', channels: ['room-a'] });
      const error = await socket.next();
      expect(error).toMatchObject({ type: 'error', error: { kind: 'unauthorized' } });
      expect(await socket.closed).toEqual({ code: 4401, reason: 'unauthorized' });
    }
  });

  it('closes with 4403 for a forbidden channel, in hello or in a later channels message', async () => {
    const socket = await openSocket(server.url);
    socket.send({ type: 'hello', token: 'bob-token', clientId: 'sock', channels: ['room-a', 'secret-1'] });
    const error = await socket.next();
    expect(error).toMatchObject({ type: 'error', error: { kind: 'forbidden' } });
    expect(error.type === 'error' && error.error.message).toContain('"secret-1"');
    expect(await socket.closed).toEqual({ code: 4403, reason: 'forbidden' });

    const { socket: later } = await readySocket(server.url, ['room-a']);
    later.send({ type: 'channels', channels: ['secret-2'] });
    expect(await later.next()).toMatchObject({ type: 'error', error: { kind: 'forbidden' } });
    expect((await later.closed).code).toBe(4403);
  });

  it('closes a socket that never says hello', async () => {
    const socket = await openSocket(server.url);
    const error = await socket.next(3000);
    expect(error.type === 'error' && error.error.message).toMatch(/No "hello" arrived within 1000 ms/);
    expect((await socket.closed).code).toBe(4400);
  });

  it('logged no unexpected errors', () => {
    expect(logger.errors).toEqual([]);
  });
});

describe('server lifecycle', () => {
  it('close() closes open sockets and frees the port; servers start and stop repeatedly', async () => {
    for (let i = 0; i < 3; i++) {
      const server = await startTandemServer({ port: 0, schema: SCHEMA, channels: CHANNELS, actions: ACTIONS, database: { dataDir: 'memory://' }, authenticate, canRead });
      const { socket } = await readySocket(server.url, ['room-a']);
      await server.close();
      expect((await socket.closed).code).toBe(1001);
      await expect(fetch(`${server.url}/sync/health`)).rejects.toThrow();
    }
  });

  it('with realtime off, there is no socket endpoint and pushes still work', async () => {
    const server = await startTandemServer({ port: 0, schema: SCHEMA, channels: CHANNELS, actions: ACTIONS, database: { dataDir: 'memory://' }, authenticate, canRead, realtime: false });
    try {
      await expect(openSocket(server.url)).rejects.toThrow(/404/);
      const res = await post(server.url, '/sync/push', notesPush('rt-off', [{ room: 'r', body: 'x' }]));
      expect(res.status).toBe(200);
      expect(server.tandem.stats()).toEqual({ sockets: 0, subscriptions: 0, bus: null });
    } finally {
      await server.close();
    }
  });
});
