import { SYNC_LIMITS } from '@tandem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, notesPush, post, pullAll, recordingLogger, snapshotNotes } from './sync-app.fixture.ts';

describe('sync HTTP endpoints (real server, PGlite)', () => {
  let server: TandemServer;
  const logger = recordingLogger();

  beforeAll(async () => {
    server = await startTandemServer({
      ...NOTES_SERVER,
      logger,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function roomNotes(room: string): Promise<string[]> {
    const res = await post(server.url, '/sync/pull', pullAll('reader', [room]));
    expect(res.status).toBe(200);
    return snapshotNotes(res.body).map((n) => n.body).sort();
  }

  it('answers health with the head version and the schema version', async () => {
    const res = await fetch(`${server.url}/sync/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, version: await server.store.head(), schemaVersion: 0 });
  });

  it('pushes actions and pulls them back; a repeated push changes nothing', async () => {
    const body = notesPush('c1', [
      { room: 'r1', body: 'one' },
      { room: 'r1', body: 'two' },
    ]);
    const first = await post(server.url, '/sync/push', body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ lastSeq: 2, rejected: [] });
    expect(first.body.version).toBeGreaterThan(0);

    const again = await post(server.url, '/sync/push', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ lastSeq: 2, rejected: [], version: first.body.version });
    expect(await server.store.head()).toBe(first.body.version);

    const pull = await post(server.url, '/sync/pull', pullAll('c1', ['r1']));
    expect(pull.status).toBe(200);
    expect(pull.body.version).toBe(first.body.version);
    expect(pull.body.lastSeq).toBe(2);
    expect(snapshotNotes(pull.body).map((n) => n.body).sort()).toEqual(['one', 'two']);

    // From the snapshot's version on, nothing new.
    const later = await post(server.url, '/sync/pull', { clientId: 'c1', channels: [{ channel: 'r1', cursor: pull.body.version }] });
    expect(later.status).toBe(200);
    expect(later.body.changes).toEqual([]);
    expect(later.body.snapshots).toEqual([]);
  });

  it('reports a rejected action without failing the push', async () => {
    const res = await post(server.url, '/sync/push', {
      clientId: 'c-reject',
      actions: [{ id: 'c-reject-1', seq: 1, name: 'failNote', args: {}, time: Date.now() }],
    });
    expect(res.status).toBe(200);
    expect(res.body.lastSeq).toBe(1);
    expect(res.body.rejected).toHaveLength(1);
    expect(res.body.rejected[0]).toMatchObject({ id: 'c-reject-1', seq: 1, name: 'failNote' });
  });

  it('refuses requests without credentials or with a bad token (401)', async () => {
    const push = notesPush('c-auth', [{ room: 'r-auth', body: 'x' }]);
    const missing = await post(server.url, '/sync/push', push, null);
    expect(missing.status).toBe(401);
    expect(missing.body.kind).toBe('unauthorized');
    expect(missing.body.message).toMatch(/Missing credentials/);

    const bad = await post(server.url, '/sync/push', push, 'nobody-token');
    expect(bad.status).toBe(401);
    expect(bad.body.kind).toBe('unauthorized');
    expect(bad.body.message).toMatch(/not accepted/);

    const basic = await fetch(`${server.url}/sync/pull`, { method: 'POST', headers: { authorization: 'Basic YWxpY2U6eA==' }, body: JSON.stringify(pullAll('c-auth', ['r-auth'])) });
    expect(basic.status).toBe(401);
    expect((await basic.json()).message).toMatch(/Bearer/);

    const pullNoAuth = await post(server.url, '/sync/pull', pullAll('c-auth', ['r-auth']), null);
    expect(pullNoAuth.status).toBe(401);
    expect(await roomNotes('r-auth')).toEqual([]);
  });

  it('refuses a pull that names a channel the user may not read (403), returning nothing', async () => {
    await post(server.url, '/sync/push', notesPush('c-secret', [{ room: 'secret-room', body: 'hidden' }]));
    const res = await post(server.url, '/sync/pull', pullAll('c-secret', ['r1', 'secret-room']));
    expect(res.status).toBe(403);
    expect(res.body.kind).toBe('forbidden');
    expect(res.body.message).toContain('"secret-room"');
    expect(res.body.details).toEqual({ channel: 'secret-room' });
    expect(res.body.snapshots).toBeUndefined();
    expect(res.body.changes).toBeUndefined();
  });

  it('answers malformed JSON and invalid push/pull bodies with 400 and changes nothing', async () => {
    const before = await server.store.head();
    const roomBefore = await roomNotes('r-400');

    const malformed = await post(server.url, '/sync/push', '{"clientId": "c400", "actions": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.kind).toBe('invalid_request');
    expect(malformed.body.message).toMatch(/not valid JSON/);

    const empty = await post(server.url, '/sync/pull', '');
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/empty/);

    // Seqs out of order: the validator's message comes back verbatim.
    const good = notesPush('c400', [
      { room: 'r-400', body: 'a' },
      { room: 'r-400', body: 'b' },
    ]);
    const outOfOrder = { clientId: 'c400', actions: [good.actions[1], good.actions[0]] };
    const badPush = await post(server.url, '/sync/push', outOfOrder);
    expect(badPush.status).toBe(400);
    expect(badPush.body).toMatchObject({ kind: 'invalid_request' });
    expect(badPush.body.message).toMatch(/actions\[1\]\.seq 1 is not above the previous action's 2/);

    const extraField = await post(server.url, '/sync/push', { ...good, admin: true });
    expect(extraField.status).toBe(400);
    expect(extraField.body.message).toMatch(/unknown field\(s\) "admin"/);

    const badPull = await post(server.url, '/sync/pull', { clientId: 'c400', channels: [{ channel: 'r-400', cursor: -1 }] });
    expect(badPull.status).toBe(400);
    expect(badPull.body.message).toMatch(/channels\[0\]\.cursor must be an integer ≥ 0/);

    const notObject = await post(server.url, '/sync/pull', [1, 2]);
    expect(notObject.status).toBe(400);
    expect(notObject.body.message).toMatch(/pull request must be a JSON object/);

    expect(await server.store.head()).toBe(before);
    expect(await roomNotes('r-400')).toEqual(roomBefore);
    // The client's seqs were not consumed either: the valid push still applies in full.
    const ok = await post(server.url, '/sync/push', good);
    expect(ok.body).toMatchObject({ lastSeq: 2, rejected: [] });
  });

  it('refuses bodies over the limit with 413, declared or streamed, and changes nothing', async () => {
    const before = await server.store.head();
    const huge = notesPush('c413', [{ room: 'r-413', body: 'x'.repeat(SYNC_LIMITS.body) }]);
    const declared = await post(server.url, '/sync/push', huge);
    expect(declared.status).toBe(413);
    expect(declared.body.kind).toBe('too_large');
    expect(declared.body.message).toContain(String(SYNC_LIMITS.body));

    // Chunked (no Content-Length): cut off while reading.
    const bytes = new TextEncoder().encode(JSON.stringify(huge));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).kind).toBe('too_large');

    expect(await server.store.head()).toBe(before);
    expect(await roomNotes('r-413')).toEqual([]);
  });

  it('maps store refusals to their status: a client id belongs to its first user (403)', async () => {
    const alice = await post(server.url, '/sync/push', notesPush('shared-client', [{ room: 'r-own', body: 'alice' }]));
    expect(alice.status).toBe(200);
    const bob = await post(server.url, '/sync/push', notesPush('shared-client', [{ room: 'r-own', body: 'bob' }], 2), 'bob-token');
    expect(bob.status).toBe(403);
    expect(bob.body.kind).toBe('forbidden');
    expect(await roomNotes('r-own')).toEqual(['alice']);
  });

  it('logged no unexpected errors', () => {
    expect(logger.errors).toEqual([]);
  });
});
