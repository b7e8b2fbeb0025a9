import type { Migration, SchemaIdentity } from '@tandem/core';
import { rerunUpgraded, unwindToServerState } from '../actions/upgrade.ts';
import type { UpgradeEnv } from '../actions/upgrade.ts';
import type { Engine } from '../engine/engine.ts';
import type { JournalEntry, JournalStore } from '../store/journal-store.ts';
import type { RejectionList } from '../store/rejection-list.ts';
import { runMigrationSteps } from './migration-steps.ts';
import { SCHEMA_IDENTITY_META_KEY, STORED_IDENTITY_KEY } from './stored-schema.ts';

export interface MigrateInput {
  /** At the checkpoint (schema version `from`), nothing of the journal after it applied yet. */
  engine: Engine;
  store: JournalStore;
  rejections: RejectionList;
  env: UpgradeEnv;
  migrations: readonly Migration[];
  identity: SchemaIdentity;
  from: number;
  to: number;
  /** The journal after the checkpoint, and the checkpoint's seq (0 without one). */
  entries: readonly JournalEntry[];
  checkpointSeq: number;
  log: (message: string) => void;
}

/**
 * Takes a local database from schema version `from` to `to` without the code its actions were
 * recorded under: back to the server's state with the local actions listed (nothing run), the
 * steps, capture again (the steps may have changed the synced tables), then the local actions by
 * the new code with upgraded args. Only then durable: the rejections, and a checkpoint that covers
 * the whole journal, so every journal record after a checkpoint is of one schema version.
 * A failure leaves the journal and checkpoint untouched (the caller discards the engine): the
 * next start, with a fixed deploy, runs it all again.
 */
export async function migrateLocalDatabase(o: MigrateInput): Promise<void> {
  const { engine } = o;
  const t0 = performance.now();
  await unwindToServerState(engine, o.env, o.entries);
  // Capture off: a step's writes are no action's (every device and the server run it themselves).
  await engine.installCapture([]);
  await runMigrationSteps(engine, o.migrations, o.from, o.to);
  await engine.installCapture(await engine.syncedTables());
  const rejected = await rerunUpgraded(engine, o.env, o.from, o.to);
  await engine.transaction((tx) => tx.writeMeta(SCHEMA_IDENTITY_META_KEY, o.identity));
  // Listed before the checkpoint drops their journal records: a crash in between lists them again
  // on the next start (the list ignores an id it has).
  await o.rejections.add(rejected);
  const seq = o.entries.at(-1)?.seq ?? o.checkpointSeq;
  const image = await engine.snapshot();
  await o.store.putCheckpoint({ seq, image, createdAt: Date.now(), version: String(o.to) });
  // Only now: before the checkpoint, a crash must leave the journal described as the old version.
  await o.store.setMeta(STORED_IDENTITY_KEY, o.identity);
  await o.store.trimThrough(seq);
  for (const r of rejected) o.log(`upgrade: ${r.error.message}`);
  o.log(`migrated the local database from schema version ${o.from} to ${o.to} in ${(performance.now() - t0).toFixed(0)} ms (${o.entries.length} journal records, ${rejected.length} action(s) rejected); checkpoint @${seq}`);
}
