/**
 * Hostile strings and nesting against a real server, run on embedded PGlite and on PostgreSQL:
 * every case is a clear 4xx (or stored safely), writes nothing, logs no failure, and the same
 * client's next push still succeeds. These were 500s that aborted the push's transaction.
 */
import { defineActions } from '@tandem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { startTandemServer } from '../node-server.ts';
import type { DatabaseOptions, TandemServer } from '../node-server.ts';
import { ACTIONS, CHANNELS, SCHEMA, TOKENS, canRead, openSocket, post, readySocket, recordingLogger } from './sync-app.fixture.ts';
import type { Authenticate } from './auth.ts';

const HOSTILE_ACTIONS = defineActions({
  ...ACTIONS,
  // An action whose own error message holds what Postgres cannot store (it quotes its input, say).
  shout: {
    args: z.object({}),
    run() {
      throw new Error('bad \u0000 and \ud800 here');
    },
  },
});

/** `nul-user-token` resolves to a user id Postgres cannot store: an auth hook's bug, not a 500. */
const authenticate: Authenticate = (token) => {
  if (token === 'nul-user-token') return { id: 'eve\u0000' };
  const id = token === null ? undefined : TOKENS[token];
  return id ? { id } : null;
};

let unique = 0;
const action = (clientId: string, seq: number, name: string, args: unknown) => ({ id: `${clientId}-${seq}`, seq, name, args, time: 1 });
const pushOf = (clientId: string, ...actions: ReturnType<typeof action>[]) => ({ clientId, actions });

export function describeHostileInput(label: string, database: () => Promise<{ options: DatabaseOptions; cleanup(): Promise<void> }>): void {
  describe(`hostile input (${label})`, () => {
    let server: TandemServer;
    let cleanup: () => Promise<void>;
    const logger = recordingLogger();

    beforeAll(async () => {
      const db = await database();
      cleanup = db.cleanup;
      server = await startTandemServer({ port: 0, schema: SCHEMA, channels: CHANNELS, actions: HOSTILE_ACTIONS, database: db.options, authenticate, canRead, logger });
    });
    afterAll(async () => {
      await server?.close();
      await cleanup?.();
      // Nothing above was a server fault.
      expect(logger.errors).toEqual([]);
    });

    /** Pushes `bad` (refused, nothing written) and then a good action as seq 1 of the same client. */
    async function refusedThenHealthy(bad: unknown, message: RegExp): Promise<void> {
      const clientId = `h${unique++}`;
      const head = await server.store.head();
      const refused = await post(server.url, '/sync/push', pushOf(clientId, action(clientId, 1, 'addNote', bad)));
      expect(refused.status).toBe(400);
      // The refusal names the action, so a client gives up on that one alone (packages/worker push.ts).
      expect(refused.body).toEqual({ kind: 'invalid_request', message: expect.stringMatching(message), details: { action: 0 } });
      expect(await server.store.head()).toBe(head);
      const next = await post(server.url, '/sync/push', pushOf(clientId, action(clientId, 1, 'addNote', { room: 'r', body: 'fine' })));
      expect(next.status).toBe(200);
      expect(next.body).toMatchObject({ lastSeq: 1, rejected: [] });
    }

    it('an action name with U+0000 or a lone surrogate is a 400; the client pushes on', async () => {
      for (const name of ['bad\u0000name', 'bad\ud800name', '\udc00', 'tab\there']) {
        const clientId = `h${unique++}`;
        const head = await server.store.head();
        const refused = await post(server.url, '/sync/push', pushOf(clientId, action(clientId, 1, name, {})));
        expect(refused.status).toBe(400);
        expect(refused.body.message).toMatch(/^actions\[0\]\.name contains (U\+0000|a lone UTF-16 surrogate|a control character)/);
        expect(refused.body.details).toEqual({ action: 0 });
        expect(await server.store.head()).toBe(head);
        const next = await post(server.url, '/sync/push', pushOf(clientId, action(clientId, 1, 'addNote', { room: 'r', body: 'ok' })));
        expect(next.status).toBe(200);
        expect(next.body).toMatchObject({ lastSeq: 1, rejected: [] });
      }
    });

    it('args holding U+0000 or a lone surrogate, in a value or a key, at any depth, are a 400', async () => {
      await refusedThenHealthy({ room: 'r', body: 'a\u0000b' }, /^actions\[0\]\.args must be JSON \(body: the string contains U\+0000/);
      await refusedThenHealthy({ room: 'r\ud800', body: 'x' }, /room: the string contains a lone UTF-16 surrogate/);
      await refusedThenHealthy({ room: 'r', body: 'x', extra: [{ ['k\udfff']: 1 }] }, /extra\.0\.k.: the key contains a lone/);
    });

    it('args nested past the limit are a 400 naming it, fast, even 10 000 levels deep', async () => {
      for (const depth of [101, 7_000, 10_000]) {
        const clientId = `h${unique++}`;
        const args = '['.repeat(depth) + ']'.repeat(depth);
        const body = `{"clientId":"${clientId}","actions":[{"id":"${clientId}-1","seq":1,"name":"addNote","args":${args},"time":1}]}`;
        const started = performance.now();
        const res = await post(server.url, '/sync/push', body);
        const ms = performance.now() - started;
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/nesting is deeper than 100 levels/);
        // Was 1.4 s (7 000 levels) and a stack overflow (10 000); generous for a busy machine.
        expect(ms).toBeLessThan(500);
      }
    });

    it('channel names with U+0000 or a lone surrogate are a 400 in pulls', async () => {
      for (const channel of ['r\u0000', 'r\ud800']) {
        const res = await post(server.url, '/sync/pull', { clientId: `h${unique++}`, channels: [{ channel, cursor: 0 }] });
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/^channels\[0\]\.channel contains/);
      }
    });

    it("an action's error message with U+0000 or a lone surrogate is stored as U+FFFD, not a failed push", async () => {
      const clientId = `h${unique++}`;
      const res = await post(server.url, '/sync/push', pushOf(clientId, action(clientId, 1, 'shout', {})));
      expect(res.status).toBe(200);
      const stored = { kind: 'action_failed', message: 'bad \ufffd and \ufffd here' };
      expect(res.body.rejected).toEqual([{ id: `${clientId}-1`, seq: 1, name: 'shout', error: stored }]);
      // Read back from the database by a later pull.
      const pull = await post(server.url, '/sync/pull', { clientId, channels: [], pendingFrom: 1 });
      expect(pull.body.rejected).toEqual([{ id: `${clientId}-1`, seq: 1, name: 'shout', error: stored }]);
    });

    it('a user id Postgres cannot store is a 401 from the auth hook, not a 500', async () => {
      const clientId = `h${unique++}`;
      const res = await post(server.url, '/sync/push', pushOf(clientId, action(clientId, 1, 'addNote', { room: 'r', body: 'x' })), 'nul-user-token');
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/user id that contains U\+0000/);
    });

    it('over the socket: a hostile push is answered failed 400 and the socket carries the next one', async () => {
      const clientId = `h${unique++}`;
      const { socket } = await readySocket(server.url, ['r'], 'alice-token', clientId);
      socket.send({ type: 'push', id: 1, actions: [action(clientId, 1, 'bad\u0000', {})] });
      expect(await socket.next()).toMatchObject({ type: 'failed', id: 1, status: 400, error: { kind: 'invalid_request', message: expect.stringMatching(/name contains U\+0000/) } });
      socket.send({ type: 'push', id: 2, actions: [action(clientId, 1, 'addNote', { room: 'r', body: 'via socket' })] });
      expect(await socket.next()).toMatchObject({ type: 'pushed', id: 2, response: { lastSeq: 1, rejected: [] } });
      await socket.close();
    });

    it('over the socket: a hello with such a token or channel is refused (4400), not an internal error', async () => {
      for (const hello of [
        { type: 'hello', token: 'alice-token\u0000', clientId: 's1', channels: ['r'] },
        { type: 'hello', token: 'alice-token', clientId: 's1', channels: ['r\ud800'] },
      ]) {
        const socket = await openSocket(server.url);
        socket.send(hello);
        expect(await socket.next()).toMatchObject({ type: 'error', error: { kind: 'invalid_request' } });
        expect((await socket.closed).code).toBe(4400);
      }
    });
  });
}
