import path from 'node:path';
import { schemaIdentity } from '@tandem/core';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, openDemo, runAction, todomvc, workerStatus } from '../support/demo.ts';
import { launchProfile, newProfileDir } from '../support/crash.ts';
import { listIdOf, syncStatus, waitSynced } from '../support/devices.ts';
import { DEMO_V2, buildDemoVersion, startDeployableServer } from '../support/demo-versions.ts';
import { requirePostgres, uniqueName } from '../support/postgres.ts';
import {
  Cleanup,
  firstPage,
  localPriorityTodos,
  postgresServerEnv,
  servedText,
  serverMigrationRows,
  serverPriorityTodos,
  serverTitles,
  serverTodoColumns,
} from '../support/upgrade.ts';

// A new version of the demo (e2e/fixtures/demo-v2: a `todo-priority` migration, addTodo's `title`
// renamed `text` with an upgrade hook) deployed while a device has work queued: the device reopens
// on the new version, its database is migrated, its queued todos run under the new code exactly
// once, locally and on the server. The server runs on Postgres so the test reads its tables.
test.describe.configure({ timeout: 180_000 });

const V2_ACTIONS = path.join(DEMO_V2, 'actions.ts');
const OFFLINE = ['offline 1', 'offline 2', 'offline 3', 'offline 4', 'offline 5'];

const cleanup = new Cleanup();
test.afterEach(async ({}, testInfo) => cleanup.run(testInfo.status !== testInfo.expectedStatus));

/** A Postgres schema of this test's own for the server (dropped after it). */
async function serverSchema(): Promise<string> {
  await requirePostgres(test.skip);
  const schema = uniqueName('e2e_upgrade');
  cleanup.schemas.push(schema);
  return schema;
}

test('the fixtures: version 2 adds one step to the demo, and its cosmetic edit has the same schema identity', async () => {
  const demo = await import('../../apps/demo/src/schema.ts');
  const v2 = await import('../fixtures/demo-v2/actions.ts');
  const edited = await import('../fixtures/demo-v2/cosmetic/actions.ts');
  const editedSchema = await import('../fixtures/demo-v2/cosmetic/schema.ts');
  expect(v2.migrations).toHaveLength(demo.MIGRATIONS.length + 1);
  expect(editedSchema.SCHEMA_SQL).not.toBe(demo.SCHEMA_SQL);
  expect(edited.migrations.at(-1)!.sql).not.toBe(v2.PRIORITY_STEP.sql);
  expect(await schemaIdentity(editedSchema.SCHEMA_SQL, edited.migrations)).toEqual(await schemaIdentity(demo.SCHEMA_SQL, v2.migrations));
});

test('deploy while offline: the device migrates, its queued todos run under the new code and reach the server once', async () => {
  const schema = await serverSchema();
  const v2 = await buildDemoVersion({ name: 'v2', actions: V2_ACTIONS });
  cleanup.builds.push(v2);
  const demo = await startDeployableServer(postgresServerEnv(schema));
  cleanup.servers.push(demo.server);
  const dir = newProfileDir();
  cleanup.profiles.push(dir);

  // Version 1 (the demo as built): one todo reaches the server.
  let context = await launchProfile(dir, demo.server.url);
  cleanup.contexts.push(context);
  let page = await openDemo(await firstPage(context));
  const listId = listIdOf(page);
  expect((await workerStatus(page)).schemaVersion).toBe(0);
  await addTodoViaUi(page, 'synced before');
  await expect(todomvc(page).labels).toHaveText(['synced before']);
  await waitSynced(page);
  expect(await serverTitles(schema, listId)).toEqual(['synced before']);
  expect(await serverTodoColumns(schema)).not.toContain('priority');

  // The server goes away; five todos are added in the UI and wait, journaled, under version 1.
  await demo.server.stop();
  for (const title of OFFLINE) await addTodoViaUi(page, title);
  await expect(todomvc(page).labels).toHaveText(['synced before', ...OFFLINE]);
  await expect.poll(async () => (await syncStatus(page)).pending).toBe(OFFLINE.length);
  const queued = await page.evaluate(async (list) => {
    const rows = await window.tandem!.query('select id, title from todos where list_id = $1 order by created_at, id', [list]);
    return rows.map((r) => ({ id: String(r.id), title: String(r.title) }));
  }, listId);
  expect(queued.map((t) => t.title)).toEqual(['synced before', ...OFFLINE]);
  // The browser closes (its worker with it) before the deploy, as a device left for the night.
  await context.close();

  // Version 2 is deployed: the server migrates its database as it starts.
  await demo.deploy(v2);
  const columns = await serverTodoColumns(schema);
  expect(columns.filter((c) => c === 'priority')).toHaveLength(1);
  const migrationRows = await serverMigrationRows(schema);
  expect(migrationRows).toHaveLength(1);
  expect(migrationRows[0]).toContain('todo-priority');
  expect(await serverPriorityTodos(schema, listId)).toEqual([{ id: queued[0]!.id, title: 'synced before', priority: 0 }]);

  // The device comes back on version 2: the page's worker loads the new actions module.
  context = await launchProfile(dir, demo.server.url);
  cleanup.contexts.push(context);
  page = await openDemo(await firstPage(context), `/?list=${encodeURIComponent(listId)}`);
  expect(await servedText(page, '/actions.js')).toContain('todo-priority');
  const status = await workerStatus(page);
  expect(status.lastError).toBeNull();
  expect(status.schemaVersion).toBe(1);

  // Migrated locally (the new column, its default on every row), the queued todos there exactly once
  // with the ids they were given under version 1.
  const local = await localPriorityTodos(page, listId);
  expect(local).toEqual(queued.map((t) => ({ ...t, priority: 0 })));
  await expect(todomvc(page).labels).toHaveText(['synced before', ...OFFLINE]);

  // They push under the new code: nothing rejected, nothing doubled, the same rows on the server.
  await waitSynced(page, 60_000);
  const synced = await syncStatus(page);
  expect(synced.rejections).toEqual([]);
  expect(synced.pending).toBe(0);
  expect(await serverPriorityTodos(schema, listId)).toEqual(local);
  expect(await localPriorityTodos(page, listId)).toEqual(local);

  // Version 2's own actions work end to end, the new column included (captured and synced).
  const added = await runAction(page, 'addTodo', { text: 'written by v2', listId });
  expect(added.ok, JSON.stringify(added)).toBe(true);
  const prioritised = await runAction(page, 'setPriority', { id: queued[1]!.id, priority: 3 });
  expect(prioritised.ok, JSON.stringify(prioritised)).toBe(true);
  await waitSynced(page);
  const final = await serverPriorityTodos(schema, listId);
  expect(final.map((t) => t.title)).toEqual(['synced before', ...OFFLINE, 'written by v2']);
  expect(new Set(final.map((t) => t.id)).size).toBe(final.length);
  expect(final.find((t) => t.id === queued[1]!.id)?.priority).toBe(3);
  expect(await localPriorityTodos(page, listId)).toEqual(final);
  expect(await serverMigrationRows(schema)).toHaveLength(1);
});

test('a cosmetic edit (comments, whitespace) of the schema and the migrations is not a new version: nothing migrates, the data stays', async () => {
  const schema = await serverSchema();
  const v2 = await buildDemoVersion({ name: 'v2', actions: V2_ACTIONS });
  cleanup.builds.push(v2);
  const edited = await buildDemoVersion({
    name: 'v2-cosmetic',
    actions: path.join(DEMO_V2, 'cosmetic', 'actions.ts'),
    schema: path.join(DEMO_V2, 'cosmetic', 'schema.ts'),
    schemaComment: 'cosmetic: a comment in the page schema',
  });
  cleanup.builds.push(edited);
  const demo = await startDeployableServer(postgresServerEnv(schema), v2);
  cleanup.servers.push(demo.server);
  const dir = newProfileDir();
  cleanup.profiles.push(dir);

  // A device on version 2 from the start; one todo gets a priority (data only the new column holds).
  let context = await launchProfile(dir, demo.server.url);
  cleanup.contexts.push(context);
  let page = await openDemo(await firstPage(context));
  const listId = listIdOf(page);
  const before = await workerStatus(page);
  expect(before.schemaVersion).toBe(1);
  const ids: string[] = [];
  for (const text of ['one', 'two', 'three']) {
    const added = await runAction(page, 'addTodo', { text, listId });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    ids.push(String((added as { value: unknown }).value));
  }
  expect((await runAction(page, 'setPriority', { id: ids[1], priority: 5 })).ok).toBe(true);
  await waitSynced(page);
  const data = await localPriorityTodos(page, listId);
  expect(data.map((t) => [t.title, t.priority])).toEqual([
    ['one', 0],
    ['two', 5],
    ['three', 0],
  ]);
  expect(await serverPriorityTodos(schema, listId)).toEqual(data);
  await context.close();

  // The edited build is deployed: the server starts on it without migrating again.
  await demo.deploy(edited);
  expect(await serverMigrationRows(schema)).toHaveLength(1);
  expect((await serverTodoColumns(schema)).filter((c) => c === 'priority')).toHaveLength(1);

  context = await launchProfile(dir, demo.server.url);
  cleanup.contexts.push(context);
  page = await openDemo(await firstPage(context), `/?list=${encodeURIComponent(listId)}`);
  // It is the edited code that runs (another runtime version), at the same schema version.
  expect(await servedText(page, '/actions.js')).toContain('cosmetic: how urgent');
  const after = await workerStatus(page);
  expect(after.lastError).toBeNull();
  expect(after.version).not.toBe(before.version);
  expect(after.schemaVersion).toBe(1);
  expect(await localPriorityTodos(page, listId)).toEqual(data);

  // Still in step with the server, nothing rejected, and both sides still write the new column.
  expect((await runAction(page, 'setPriority', { id: ids[2], priority: 1 })).ok).toBe(true);
  await waitSynced(page);
  const status = await syncStatus(page);
  expect(status.rejections).toEqual([]);
  const expected = data.map((t) => (t.id === ids[2] ? { ...t, priority: 1 } : t));
  expect(await localPriorityTodos(page, listId)).toEqual(expected);
  expect(await serverPriorityTodos(schema, listId)).toEqual(expected);
  expect(await serverMigrationRows(schema)).toHaveLength(1);
});
