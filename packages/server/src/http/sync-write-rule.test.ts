// The write rule at the server's doors: `canWrite` defaults to `canRead`, applies to pushes over
// HTTP and over the socket, and leaves the app's own `invoke` unchecked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, notesPush, post, readySocket, recordingLogger } from './sync-app.fixture.ts';

describe('the write rule over HTTP and the socket (real server, PGlite)', () => {
  const servers: TandemServer[] = [];
  const logger = recordingLogger();
  const notesIn = async (server: TandemServer, room: string) => (await server.driver.query<{ body: string }>('select body from notes where room = $1 order by body', [room])).map((r) => r.body);
  let byDefault: TandemServer;
  let readOnly: TandemServer;

  beforeAll(async () => {
    // NOTES_SERVER's read rule refuses rooms named `secret…`; the second also makes `ro-…` read-only.
    byDefault = await startTandemServer({ ...NOTES_SERVER, logger });
    readOnly = await startTandemServer({ ...NOTES_SERVER, logger, canWrite: (_user, room) => !room.startsWith('ro-') && !room.startsWith('secret') });
    servers.push(byDefault, readOnly);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('defaults to the read rule: a push into a room the user may not read is rejected forbidden, the rest runs', async () => {
    const res = await post(byDefault.url, '/sync/push', notesPush('w-default', [{ room: 'secret-1', body: 'sneaky' }, { room: 'open-1', body: 'fine' }]));
    expect(res.status).toBe(200);
    expect(res.body.lastSeq).toBe(2);
    expect(res.body.rejected).toEqual([
      { id: 'w-default-1', seq: 1, name: 'addNote', error: { kind: 'forbidden', message: 'Action "addNote" was rolled back: you may not write to channel "secret-1".', details: { channel: 'secret-1' } } },
    ]);
    expect(await notesIn(byDefault, 'secret-1')).toEqual([]);
    expect(await notesIn(byDefault, 'open-1')).toEqual(['fine']);
  });

  it('applies its own canWrite to socket pushes, while reads of that room stay allowed', async () => {
    const { socket } = await readySocket(readOnly.url, ['ro-1'], 'alice-token', 'w-socket');
    socket.send({ type: 'push', id: 1, actions: notesPush('w-socket', [{ room: 'ro-1', body: 'sneaky' }, { room: 'rw-1', body: 'fine' }]).actions });
    const answer = await socket.next();
    expect(answer).toMatchObject({ type: 'pushed', id: 1, response: { lastSeq: 2, rejected: [{ seq: 1, error: { kind: 'forbidden', details: { channel: 'ro-1' } } }] } });
    await socket.close();
    expect(await notesIn(readOnly, 'ro-1')).toEqual([]);
    expect(await notesIn(readOnly, 'rw-1')).toEqual(['fine']);
  });

  it('does not check the app\'s own invoke (server code is trusted)', async () => {
    await readOnly.invoke('addNote', { room: 'ro-2', body: 'from a job' }, { id: 'cron' });
    expect(await notesIn(readOnly, 'ro-2')).toEqual(['from a job']);
    expect(logger.errors).toEqual([]);
  });
});
