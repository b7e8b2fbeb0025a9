// A client id belongs on the server to the first user who pushed with it (sync/clients.ts). A
// worker whose client id is another user's gets 403 on every push: it must say so and stop, not
// retry every 10 s forever, until the token changes. The worker's loop against a real server.
import { describe, expect, it } from 'vitest';
import { createHttpTransport, SyncClient } from '@tandem/worker';
import type { SyncHost } from '@tandem/worker';
import type { PushAction, SyncStatus } from '@tandem/core';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, notesPush, post, pullAll, snapshotNotes, stoppedAfterEach } from './sync-app.fixture.ts';

/** Pending notes of one client, confirmed when a pull's lastSeq covers them. */
function outbox(clientId: string, room: string): { host: SyncHost; pending: PushAction[] } {
  // Seq 2: seq 1 of this client id went to the server with the first user's push.
  const pending: PushAction[] = [{ id: `${clientId}-2`, seq: 2, name: 'addNote', args: { room, body: 'written offline' }, time: 1_700_000_000_000 }];
  const cursors = new Map<string, number>();
  const host: SyncHost = {
    clientId,
    schemaVersion: 0,
    channels: () => [room],
    unpushed: async (after, limit) => pending.filter((a) => a.seq > after).slice(0, limit),
    pullState: async () => ({ cursors: [{ channel: room, cursor: cursors.get(room) ?? 0 }], lowestPending: pending[0]?.seq }),
    cursors: async () => [{ channel: room, cursor: cursors.get(room) ?? 0 }],
    applyPull: async (pull) => {
      cursors.set(room, pull.version);
      pending.splice(0, pending.filter((p) => p.seq <= pull.lastSeq).length);
      return [];
    },
    applyPoke: async () => null,
    applyPushed: async () => null,
    pendingCount: () => pending.length,
    dropChannel: async () => {},
    refuse: async () => null,
  };
  return { host, pending };
}

describe('a client id owned by another user', () => {
  let server: TandemServer | null = null;
  let client: SyncClient | null = null;
  const after = stoppedAfterEach();

  it('halts sync with an explained forbidden error (no retries), and resumes when the token changes', async () => {
    server = after.server(await startTandemServer({ ...NOTES_SERVER, port: 0, logger: { error: () => {} } }));
    const url = server.url;
    const clientId = 'shared-device';
    const room = 'halt-room';
    // Bob pushed with this client id first: it is his on the server.
    expect((await post(url, '/sync/push', notesPush(clientId, [{ room: 'bobs-room', body: 'bob' }]), 'bob-token')).status).toBe(200);

    let token = 'alice-token';
    const requests: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      requests.push(String(input).replace(/^.*\/sync/, ''));
      return fetch(input, init);
    };
    const { host, pending } = outbox(clientId, room);
    const statuses: SyncStatus[] = [];
    client = after.client(new SyncClient({
      url: `${url}/sync`,
      host,
      transport: createHttpTransport(`${url}/sync`, () => token, countingFetch),
      token: () => token,
      onStatus: (s) => statuses.push(s),
      onRejected: () => {},
      log: () => {},
    }));
    const halted = await client.syncNow().catch((e: unknown) => e);
    expect(halted).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('halted until signIn or setToken') });
    expect(client.status()).toMatchObject({ online: false, lastError: { kind: 'forbidden' } });
    const sent = requests.length;
    expect(sent).toBeGreaterThan(0);

    // Halted: a local write or a sync request sends nothing (before the fix, it retried every 10 s).
    client.localChange();
    await expect(client.syncNow()).rejects.toMatchObject({ kind: 'forbidden' });
    expect(requests.length).toBe(sent);
    expect(pending).toHaveLength(1);
    const notes = async () => snapshotNotes((await post(url, '/sync/pull', pullAll('reader', [room]))).body).map((n) => n.body);
    expect(await notes()).toEqual([]);

    // The token of the client id's owner (a wiped database's fresh client id is the other way out).
    token = 'bob-token';
    client.tokenChanged();
    await client.syncNow();
    expect(pending).toHaveLength(0);
    expect(await notes()).toEqual(['written offline']);
    expect(client.status()).toMatchObject({ online: true, lastError: null });
  });
});
