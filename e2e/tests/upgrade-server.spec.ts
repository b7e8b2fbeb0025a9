import path from 'node:path';
import { test, expect } from '../support/test.ts';
import { DEMO_V2, buildDemoVersion, startDeployableServer } from '../support/demo-versions.ts';
import { requirePostgres, uniqueName } from '../support/postgres.ts';
import { TestSocket, addTodoPush, newClientId, newListId, newSession, syncApi } from '../support/sync-api.ts';
import type { ErrorBody } from '../support/sync-api.ts';
import { Cleanup, postgresServerEnv, serverMigrationRows, serverPriorityTodos, serverTodoColumns } from '../support/upgrade.ts';

// The server side of an upgrade, on real processes and a real Postgres: instances of version 2 of
// the demo (e2e/fixtures/demo-v2) starting together migrate the shared database once, and answer
// clients of version 1 (schema version 0) as the design says: their pushes run under the new code,
// args upgraded; their pulls are refused with update_required. The tabs' engine plays no part here
// (this spec runs in the pglite project only).

const cleanup = new Cleanup();
test.afterEach(async ({}, testInfo) => cleanup.run(testInfo.status !== testInfo.expectedStatus));

test('two instances of version 2 started together migrate once; an old client\'s push is upgraded, its pull refused', async () => {
  await requirePostgres(test.skip);
  const schema = uniqueName('e2e_upgrade_srv');
  cleanup.schemas.push(schema);
  const v2 = await buildDemoVersion({ name: 'v2-server', actions: path.join(DEMO_V2, 'actions.ts') });
  cleanup.builds.push(v2);

  // One app (same database, schema, NOTIFY channel, secret), two processes racing to migrate it.
  const env = postgresServerEnv(schema);
  const [one, two] = await Promise.all([startDeployableServer(env, v2), startDeployableServer(env, v2)]);
  cleanup.servers.push(one.server, two.server);

  const migrations = await serverMigrationRows(schema);
  expect(migrations).toHaveLength(1);
  expect(migrations[0]).toContain('todo-priority');
  expect((await serverTodoColumns(schema)).filter((c) => c === 'priority')).toHaveLength(1);

  const { token } = await newSession(one.server.url);
  const listId = newListId('upg');
  const viaOne = syncApi(one.server.url, token);
  const viaTwo = syncApi(two.server.url, token);

  // A client of version 1 (no schemaVersion: clients from before versioning are version 0) pushes
  // addTodo with `title`: the server upgrades it to `text` and runs it.
  const oldClient = newClientId('v1');
  const pushed = await viaTwo.push(addTodoPush(oldClient, listId, ['from an old tab']));
  expect(pushed.status, pushed.text).toBe(200);
  expect(pushed.body.rejected).toEqual([]);
  expect(pushed.body.lastSeq).toBe(1);
  // Saying version 0 out loud is the same.
  const explicit = await viaOne.push({ ...addTodoPush(oldClient, listId, ['said version 0'], 2), schemaVersion: 0 });
  expect(explicit.status, explicit.text).toBe(200);
  expect(explicit.body.rejected).toEqual([]);
  const stored = await serverPriorityTodos(schema, listId);
  expect(stored.map((t) => [t.title, t.priority])).toEqual([
    ['from an old tab', 0],
    ['said version 0', 0],
  ]);

  // An old action the upgrade cannot make valid is a typed rejection of that action, not an error.
  const broken = await viaOne.push({
    clientId: oldClient,
    actions: [{ id: `${oldClient}-3`, seq: 3, name: 'addTodo', args: { listId, title: '   ' }, time: Date.now() }],
  });
  expect(broken.status, broken.text).toBe(200);
  expect(broken.body.rejected).toHaveLength(1);
  expect(broken.body.rejected[0]).toMatchObject({ id: `${oldClient}-3`, seq: 3, name: 'addTodo', error: { kind: 'upgrade_rejected' } });
  expect(await serverPriorityTodos(schema, listId)).toEqual(stored);

  // A client of version 2 reads them through the other instance, the new column included.
  const current = await viaOne.pull({ clientId: newClientId('v2'), channels: [{ channel: listId, cursor: 0 }], schemaVersion: 1 });
  expect(current.status, current.text).toBe(200);
  const rows = current.body.snapshots.find((s) => s.channel === listId)?.tables.todos ?? [];
  expect(rows.map((r) => [r.title, r.priority]).sort()).toEqual([
    ['from an old tab', 0],
    ['said version 0', 0],
  ]);

  // The old client cannot pull from the new server: it must reload first. Its pushes were not lost.
  for (const api of [viaOne, viaTwo]) {
    const refused = await api.pull({ clientId: oldClient, channels: [{ channel: listId, cursor: 0 }] });
    expect(refused.status, refused.text).toBe(409);
    expect((refused.body as ErrorBody).kind).toBe('update_required');
  }
  // A client newer than the server keeps its work: nothing runs, nothing is rejected.
  const newer = await viaTwo.push({ ...addTodoPush(newClientId('v3'), listId, ['from the future']), schemaVersion: 2 });
  expect(newer.status, newer.text).toBe(409);
  expect((newer.body as ErrorBody).kind).toBe('server_outdated');
  expect(await serverPriorityTodos(schema, listId)).toEqual(stored);

  // Over the socket, an old client's hello is refused with the same kind, and the socket closes.
  const socket = await TestSocket.open(one.server.url);
  try {
    socket.send({ type: 'hello', token, clientId: oldClient, channels: [listId] });
    expect(await socket.next()).toMatchObject({ type: 'error', error: { kind: 'update_required' } });
    await socket.waitClosed();
  } finally {
    socket.close();
  }
});
