import { ErrorKind, toErrorData } from '@tandem/core';
import type { ActionDefinitions, Dialect, JsonValue, Patch, Rejection, Row, TandemErrorData } from '@tandem/core';
import type { Engine, PendingAction } from '../engine/engine.ts';
import { PATCHES_SINCE_SQL, patchOf } from '../engine/tandem-tx.ts';
import type { PatchRow } from '../engine/tandem-tx.ts';
import type { CommitChanges } from './commit-changes.ts';
import type { ActionRecord, JournalEntry, JournalStore, SyncRecord } from '../store/journal-store.ts';
import type { RejectionList } from '../store/rejection-list.ts';
import { executeAction } from './action-executor.ts';
import { discardPending } from './discard.ts';
import { RECENT_CALLS_META_KEY, RecentCalls } from './recent-calls.ts';
import type { StoredCall } from './recent-calls.ts';
import { Checkpointer } from './checkpointer.ts';
import { CURSORS_META_KEY, rebase } from './rebase.ts';
import type { Cursors, RebaseResult } from './rebase.ts';
import { Scheduler } from './scheduler.ts';
import { nextTask } from '../engine/next-task.ts';

interface WriteItem {
  record: ActionRecord;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Makes committed changes visible (the live layer): resolves once the tabs have their diffs.
 * `writers`: the tabs whose actions this commit holds get their diffs first, then `then` runs
 * (before the other tabs' queries re-run), so an action resolves without waiting for them.
 */
export type Publish = (changed: CommitChanges, writers?: { tabs: ReadonlySet<string>; then: () => void }) => Promise<void>;

/** What the engine holds of the ledger's state, read once at start (see readLedgerState). */
export interface LedgerState {
  clientSeq: number;
  patchSeq: number;
  cursors: Cursors;
  /** Call ids and results as of the image (see RecentCalls). */
  calls: StoredCall[];
}

export interface LedgerInit extends LedgerState {
  engine: Engine;
  store: JournalStore;
  definitions: ActionDefinitions;
  channelColumns: Record<string, string>;
  clientId: string;
  /** The schema version this code runs (its number of migrations): every new record carries it. */
  schemaVersion: number;
  /** Where an action the journal holds but that can no longer run is reported (durably). */
  rejections: RejectionList;
  checkpointSeq: number;
  checkpointEvery: number;
  checkpointIdleMs: number;
  publish: Publish;
  log: (message: string) => void;
}

const REPLAY_CHUNK = 500;
/**
 * Up to this many patches, a commit offers its rows to the live layer (predicate-level
 * invalidation); a bigger one (a bulk import) is judged per table: reading and matching its rows
 * would cost more than the re-runs it saves.
 */
const LIVE_PATCHES_MAX = 2000;

export async function readLedgerState(engine: Engine): Promise<LedgerState> {
  return engine.transaction(async (tx) => ({
    clientSeq: Number((await tx.readMeta<number>('client_seq')) ?? 0),
    patchSeq: await tx.lastPatchSeq(),
    cursors: (await tx.readMeta<Cursors>(CURSORS_META_KEY)) ?? {},
    calls: (await tx.readMeta<StoredCall[]>(RECENT_CALLS_META_KEY)) ?? [],
  }));
}

/**
 * Every change to the local database, in order, with its durability rule, and the sequence
 * counters that follow them. Invariant: visible ⇒ durable. A batch's journal records are durable
 * before its engine transaction commits, and live queries and action promises see it only after
 * that. The server's changes are the exception: journaled right after they are visible (see
 * applyServerChanges).
 */
export class Ledger {
  readonly engine: Engine;
  readonly #store: JournalStore;
  readonly #definitions: ActionDefinitions;
  readonly #env: { dialect: Dialect; definitions: ActionDefinitions; channelColumns: Record<string, string> };
  readonly #clientId: string;
  readonly #schemaVersion: number;
  readonly #rejections: RejectionList;
  readonly #scheduler: Scheduler<WriteItem>;
  readonly #checkpointer: Checkpointer;
  readonly #publish: Publish;
  readonly #log: (message: string) => void;
  #onLocalCommit: ((records: ActionRecord[]) => void) | null = null;
  #clientSeq: number;
  /** Highest patch seq seen: the next batch's changed tables are the patches after it. */
  #patchSeq: number;
  /** The engine's sync cursors as of its last commit (only rebases move them). */
  #cursors: Cursors;
  #journalSeq: number;
  #lastCheckpointSeq: number;
  /** Kept in memory: the status line of every tab shows it after each write. */
  #pendingCount = 0;
  #lastError: TandemErrorData | null = null;
  readonly #counters = { actionsRun: 0, batchesCommitted: 0, checkpoints: 0 };
  /** The engine holds server changes whose journal append failed, and no checkpoint has them yet. */
  #journalBehind = false;
  /** A snapshot pull's journal append, started after its task (see applyServerChanges). */
  #journalTail: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #calls: RecentCalls;

  constructor(init: LedgerInit) {
    this.engine = init.engine;
    this.#store = init.store;
    this.#definitions = init.definitions;
    this.#env = { dialect: init.engine.dialect, definitions: init.definitions, channelColumns: init.channelColumns };
    this.#clientId = init.clientId;
    this.#schemaVersion = init.schemaVersion;
    this.#rejections = init.rejections;
    this.#clientSeq = init.clientSeq;
    this.#patchSeq = init.patchSeq;
    this.#cursors = init.cursors;
    this.#calls = new RecentCalls(init.calls);
    this.#journalSeq = init.checkpointSeq;
    this.#lastCheckpointSeq = init.checkpointSeq;
    this.#publish = init.publish;
    this.#log = init.log;
    this.#scheduler = new Scheduler((batch) => this.#commitActions(batch, true));
    this.#checkpointer = new Checkpointer({
      every: init.checkpointEvery,
      idleMs: init.checkpointIdleMs,
      run: () => this.checkpoint(),
      idleSince: () => (this.#scheduler.busy ? null : this.#scheduler.lastActivity),
      onError: (error) => {
        // Nothing is lost (the journal keeps every record until a checkpoint holds them), but it grows: say so.
        const data = toErrorData(error);
        this.#lastError = { kind: data.kind, message: `A checkpoint failed; the journal keeps everything and the next one retries: ${data.message}` };
        this.#log(this.#lastError.message);
      },
    });
  }

  get clientSeq(): number {
    return this.#clientSeq;
  }

  get cursors(): Cursors {
    return this.#cursors;
  }

  get pendingCount(): number {
    return this.#pendingCount;
  }

  get journalSeq(): number {
    return this.#journalSeq;
  }

  get lastCheckpointSeq(): number {
    return this.#lastCheckpointSeq;
  }

  get lastError(): TandemErrorData | null {
    return this.#lastError;
  }

  get counters(): { actionsRun: number; batchesCommitted: number; checkpoints: number } {
    return this.#counters;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Told of every journaled batch once it is durable, before it is visible (the sync's outbox). */
  afterLocalCommit(listener: (records: ActionRecord[]) => void): void {
    this.#onLocalCommit = listener;
  }

  /**
   * Queues one action; resolves with its result once it is durable and visible to its own tab (the
   * tab named by `call`; other tabs' live queries re-run right after). A `call` id that
   * already ran (a tab retrying after its worker died) gets the first run's result, not a second run.
   */
  submit(name: string, args: unknown, call?: string): Promise<unknown> {
    if (call !== undefined) {
      const seen = this.#calls.find(call);
      if (seen) return seen instanceof Promise ? seen : Promise.resolve(seen.result);
    }
    const clientSeq = ++this.#clientSeq;
    const record: ActionRecord = { kind: 'action', id: `${this.#clientId}-${clientSeq}`, clientSeq, name, args, time: Date.now(), v: this.#schemaVersion };
    if (call !== undefined) record.call = call;
    const done = new Promise((resolve, reject) => this.#scheduler.write({ record, resolve, reject }));
    if (call !== undefined) this.#calls.track(call, done);
    return done;
  }

  /** A tab connected: its first queries are on the way, so an idle checkpoint waits for them. */
  noteTabActivity(): void {
    this.#scheduler.touch();
  }

  /** Runs `fn` between batches: it sees only durable state. */
  task<T>(fn: () => Promise<T>): Promise<T> {
    return this.#scheduler.task(fn);
  }

  /**
   * Start-up: re-applies the journal after `afterSeq` (the checkpoint's), then counts what is
   * pending (`read`: those records, when the caller has them already). An action that fails now although it once succeeded is never dropped silently: it
   * becomes a durable rejection (`replay_rejected`) and is then voided in the journal.
   */
  async replay(afterSeq: number, read?: readonly JournalEntry[]): Promise<void> {
    const entries = read ?? (await this.#store.readAfter(afterSeq));
    const voided = new Set<string>();
    for (const { record } of entries) if (record.kind === 'void') record.ids.forEach((id) => voided.add(id));
    const t0 = performance.now();
    const patches0 = this.#patchSeq;
    for (let i = 0; i < entries.length; i += REPLAY_CHUNK) {
      const chunk = entries.slice(i, i + REPLAY_CHUNK);
      const items: WriteItem[] = [];
      const failed: { record: ActionRecord; error: unknown }[] = [];
      for (const { record } of chunk) {
        if (record.kind === 'sync') {
          // In journal order: the actions before it first, then the same rebase as when it was pulled.
          await this.#commitActions(items.splice(0), false);
          await this.applyServerChanges(record, false);
          continue;
        }
        if (record.kind !== 'action') continue;
        // New invocations must continue after every journaled one, or their ids would collide.
        this.#clientSeq = Math.max(this.#clientSeq, record.clientSeq);
        if (voided.has(record.id)) continue;
        items.push({ record, resolve: () => {}, reject: (error) => failed.push({ record, error }) });
      }
      await this.#commitActions(items, false);
      this.#journalSeq = chunk[chunk.length - 1]!.seq;
      if (failed.length > 0) await this.#rejectReplayed(failed);
    }
    // Rows the replay wrote (patches recorded; a rebase in between clears them, so at least one per record).
    this.#checkpointer.noteReplayed(Math.max(entries.length, this.#patchSeq - patches0));
    if (entries.length) this.#log(`replayed ${entries.length} journal records in ${(performance.now() - t0).toFixed(0)} ms`);
    this.#pendingCount = await this.countPending();
  }

  /**
   * Journaled actions that failed on replay. Listed first, then voided: a crash in between lists
   * one that a later replay may run after all, which beats losing one without a word.
   */
  async #rejectReplayed(failed: { record: ActionRecord; error: unknown }[]): Promise<void> {
    const rejections = failed.map(({ record, error }) => replayRejection(record, error, this.#schemaVersion));
    for (const r of rejections) this.#log(`replay: action ${r.id} (${r.name}) failed and is rejected: ${r.error.message}`);
    this.#lastError = rejections[rejections.length - 1]!.error;
    await this.#rejections.add(rejections);
    const seqs = await this.#store.append([{ kind: 'void', ids: failed.map((f) => f.record.id) }]);
    this.#journalSeq = seqs[seqs.length - 1] ?? this.#journalSeq;
  }

  /**
   * Local actions: durable, then visible. One batch = one engine transaction + one journal
   * transaction. The journal append starts with the engine work (their costs overlap instead of
   * adding up) and must be durable before the engine commits; actions that failed meanwhile are
   * voided in the journal first. `journaled`: the seqs of these actions' records, already appended
   * by a first try that failed after (see the catch).
   */
  async #commitActions(items: WriteItem[], journal: boolean, journaled: number[] | null = null): Promise<void> {
    if (items.length === 0) return;
    const accepted: { item: WriteItem; result: unknown }[] = [];
    const failed: { item: WriteItem; error: unknown }[] = [];
    let changed: string[] = [];
    /** The batch's patches, when its bookkeeping statement returned them (see recordBatch). */
    let batchPatches: Patch[] | undefined;
    let seqs: number[] = [];
    /** Rows the batch changed (its patches): what replaying it would cost. */
    let rows = 0;
    const patchesAfter = this.#patchSeq;
    const engine = this.engine;
    if (journal) {
      try {
        await this.#journalCaughtUp();
      } catch (error) {
        const data = toErrorData(error);
        this.#lastError = { kind: data.kind, message: `Could not journal: server changes the journal lacks could not be checkpointed either: ${data.message}` };
        for (const item of items) item.reject(this.#lastError);
        return;
      }
    }
    const appended = journal && !journaled ? this.#store.append(items.map((i) => i.record)) : null;
    appended?.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    let durable = false;
    try {
      await engine.transaction(async (tx) => {
        for (const item of items) {
          try {
            accepted.push({ item, result: await executeAction(tx, engine.dialect, this.#definitions, item.record) });
          } catch (error) {
            failed.push({ item, error });
          }
        }
        if (accepted.length > 0) {
          const since = await tx.recordBatch(
            accepted.map(({ item: { record } }) => ({ seq: record.clientSeq, id: record.id, name: record.name, args: record.args, time: record.time })),
            this.#patchSeq,
          );
          changed = since.tables;
          batchPatches = since.patches;
          rows = since.lastSeq - this.#patchSeq;
          this.#patchSeq = since.lastSeq;
        }
        if (appended) {
          seqs = await appended;
          durable = true;
          if (failed.length > 0) seqs.push(...(await this.#store.append([{ kind: 'void', ids: failed.map((f) => f.item.record.id) }])));
        }
      });
    } catch (error) {
      // The transaction rolled back: its patches are gone, and SQLite may hand their seqs out again.
      this.#patchSeq = patchesAfter;
      const data = toErrorData(error);
      if (durable) {
        // The journal holds these actions already; what failed came after (the void of the ones
        // that failed, the engine's commit). The next start would replay them, so they must take
        // effect now too: a tab told "rejected" must never see its action appear later.
        this.#log(`a batch of ${items.length} actions was journaled, then failed (${data.message}): running it again`);
        return this.#commitActions(items, journal, seqs);
      }
      const saved = journaled ? ' They are in the journal and take effect when the database next opens.' : '';
      this.#lastError = { kind: data.kind, message: `Could not commit a batch of ${items.length} actions: ${data.message}${saved}` };
      for (const { item } of accepted) item.reject(this.#lastError);
      for (const { item, error: own } of failed) item.reject(own);
      return;
    }
    if (journaled && failed.length > 0) {
      // Best effort: without this void, the next start runs them again, they fail again, and are listed as rejections.
      const ids = failed.map((f) => f.item.record.id);
      seqs = [...journaled, ...(await this.#store.append([{ kind: 'void', ids }]).catch(() => []))];
    } else if (journaled) seqs = journaled;
    for (const { item, error } of failed) item.reject(error);
    if (journal) {
      this.#journalSeq = seqs[seqs.length - 1] ?? this.#journalSeq;
      this.#checkpointer.noteRecords(seqs.length, rows);
    }
    if (accepted.length === 0) return;
    for (const { item, result } of accepted) if (item.record.call !== undefined) this.#calls.remember(item.record.call, result);
    this.#counters.batchesCommitted++;
    this.#counters.actionsRun += accepted.length;
    this.#pendingCount += accepted.length;
    // The batch is durable: its push may start while this device's live queries re-run.
    if (journal && this.#onLocalCommit) this.#onLocalCommit(accepted.map(({ item }) => item.record));
    let resolved = false;
    const resolveAll = () => {
      if (resolved) return;
      resolved = true;
      for (const { item, result } of accepted) item.resolve(result);
    };
    // Durable and committed: the actions resolve as soon as the writing tabs have their diffs (so a
    // tab that awaited its action already shows it), not after every tab's live queries re-ran.
    // The re-run stays inside this scheduler task: the patches it reads are this commit's, and no
    // later commit lands halfway through a pass.
    const changes: CommitChanges = { tables: new Set(changed) };
    if (batchPatches) {
      const patches = batchPatches;
      changes.patches = () => Promise.resolve(patches);
    } else if (this.#patchSeq - patchesAfter <= LIVE_PATCHES_MAX) {
      // One read-only statement, no transaction of its own: this is on the path of every write a filtered live query may see.
      changes.patches = async () => (await this.engine.read<PatchRow & Row>(PATCHES_SINCE_SQL, [patchesAfter])).map((r) => patchOf(r).patch);
    }
    const writers = writerTabs(accepted.map(({ item }) => item.record));
    try {
      await this.#publish(changes, writers ? { tabs: writers, then: resolveAll } : undefined);
    } finally {
      resolveAll();
    }
  }

  /**
   * The server's changes: visible, then journaled. Rebases onto them in one engine transaction,
   * makes them visible, then journals them. The server keeps them, so a crash in between costs a
   * re-pull, never data, and a remote edit reaches the tabs without waiting for IndexedDB
   * (docs/decisions.md). Order still holds: the record is durable before this scheduler task
   * ends, so before anything journaled after it. Call it from a `task`.
   */
  async applyServerChanges(record: SyncRecord, journal: boolean): Promise<RebaseResult> {
    if (journal) await this.#journalCaughtUp();
    let after = { patchSeq: this.#patchSeq, pending: this.#pendingCount };
    const result = await this.engine.transaction(async (tx) => {
      // With nothing pending, the cached cursors are the engine's (this ledger writes them, and
      // reads them at start): the rebase need not read either.
      const idle = this.#pendingCount === 0 ? { cursors: this.#cursors } : undefined;
      const r = await rebase(tx, this.#env, record.pull, record.channels, record.from, idle);
      // In the same transaction, and only when patches moved: round trips before the live update otherwise.
      after = { patchSeq: r.patchesChanged ? await tx.lastPatchSeq() : this.#patchSeq, pending: r.pending };
      return r;
    });
    this.#patchSeq = after.patchSeq;
    this.#pendingCount = after.pending;
    this.#cursors = result.cursors;
    try {
      for (const f of result.replayFailures) this.#log(`rebase: pending action ${f.id} failed on the server's state: ${f.message}`);
      if (result.changedTables.size > 0) await this.#publish({ tables: result.changedTables });
    } finally {
      // Listed before the record that drops them is durable: a crash in between re-pulls the
      // verdict (the list ignores an id it has), never loses it. On replay they are listed already.
      if (journal) await this.#listRejections(result.rejected);
      // A poke that did not follow on from the cursors changed nothing: nothing to journal.
      if (journal && result.applied) {
        if (record.pull.snapshots.length > 0) {
          // A snapshot's record is big (storing 100k rows clones them synchronously, 55+ ms): it is
          // appended after this task, so the tasks queued meanwhile that only read (a new tab's
          // first live query, B10) go first. Whatever journals or checkpoints next waits for it
          // (#journalCaughtUp, #checkpointNow), so it still comes before anything journaled later.
          // It never rejects: a failure leaves #journalBehind set, and the next write checkpoints
          // first (or is refused), as after an append that failed in its task.
          this.#journalTail = nextTask()
            .then(() => this.#journalServerChanges(record))
            .catch(() => {});
        } else {
          await this.#journalServerChanges(record);
        }
      }
    }
    return result;
  }

  /**
   * The app gives up on one pending action: rolled back as a server rejection would be, listed as
   * `discarded`, and voided in the journal, durably before the engine commits (a restart never
   * replays it, so never pushes it). Resolves with its rejection once the tabs see the result.
   * `how.error`: the verdict to list instead of `discarded` (the sync loop gives up on an action
   * the server refuses to take, e.g. `too_large`); `how.guard` may refuse (throw) once the action
   * is found, before anything changes.
   */
  discard(id: string, how: { error?: TandemErrorData; guard?: (action: PendingAction) => void } = {}): Promise<Rejection> {
    return this.#scheduler.task(async () => {
      await this.#journalCaughtUp();
      let after = { patchSeq: this.#patchSeq };
      let rejection: Rejection | undefined;
      const result = await this.engine.transaction(async (tx) => {
        const r = await discardPending(tx, this.#env, id, this.#clientSeq, how.guard);
        const { action } = r;
        rejection = {
          id: action.id,
          seq: action.seq,
          name: action.name,
          error: how.error ?? { kind: ErrorKind.discarded, message: `Action "${action.name}" (${action.id}) was discarded by the app before the server ran it, so it was rolled back.`, details: { action: action.name } },
          args: (action.args ?? null) as JsonValue,
        };
        // Listed, then voided, then committed: a crash in between lists one that a replay still
        // runs (the app sees it twice), never drops one silently.
        await this.#rejections.add([rejection]);
        const seqs = await this.#store.append([{ kind: 'void', ids: [action.id] }]);
        this.#journalSeq = seqs[seqs.length - 1] ?? this.#journalSeq;
        this.#checkpointer.noteRecords(seqs.length);
        after = { patchSeq: await tx.lastPatchSeq() };
        return r;
      });
      this.#patchSeq = after.patchSeq;
      this.#pendingCount = Math.max(0, this.#pendingCount - 1);
      for (const f of result.replayFailures) this.#log(`discard: pending action ${f.id} failed without ${id}: ${f.message}`);
      if (result.changedTables.size > 0) await this.#publish({ tables: result.changedTables });
      return rejection!;
    });
  }

  async #listRejections(rejected: Rejection[]): Promise<void> {
    if (rejected.length === 0) return;
    try {
      await this.#rejections.add(rejected);
    } catch (error) {
      // Tabs still hear of them (the sync's `rejected` event); only their survival of a restart is lost.
      this.#log(`could not store ${rejected.length} rejection(s) durably: ${toErrorData(error).message}`);
    }
  }

  /** Journals a rebase that already committed; when that fails, a checkpoint must cover it instead. */
  async #journalServerChanges(record: SyncRecord): Promise<void> {
    try {
      const seqs = await this.#store.append([{ ...record, v: this.#schemaVersion }]);
      this.#journalSeq = seqs[seqs.length - 1] ?? this.#journalSeq;
      // A pull can carry many rows: weigh it so a big one brings the next checkpoint closer.
      // A pull weighs the rows it carries; a snapshot is counted as a hundred (its rows are not counted here).
      this.#checkpointer.noteRecords(1, record.pull.changes.length + record.pull.snapshots.length * 100);
    } catch (error) {
      // Replay would now miss these changes while applying later records on top of them, so nothing
      // may be journaled until a checkpoint holds the engine's state.
      this.#journalBehind = true;
      this.#log(`could not journal the server's changes (${toErrorData(error).message}): checkpointing instead`);
      await this.#checkpointIfBehind();
    }
  }

  /** Throws while the engine holds server changes that neither the journal nor a checkpoint has. */
  async #journalCaughtUp(): Promise<void> {
    await this.#journalTail;
    await this.#checkpointIfBehind();
  }

  async #checkpointIfBehind(): Promise<void> {
    if (!this.#journalBehind) return;
    await this.#checkpointNow(true);
    this.#journalBehind = false;
  }

  /** Snapshot the engine and trim the journal it covers. Serialised with writes. */
  checkpoint(): Promise<void> {
    return this.#scheduler.task(async () => {
      // The image must not overtake a snapshot pull's append (its seq would come after the image's).
      await this.#journalTail;
      await this.#checkpointNow(false);
    });
  }

  /** `force`: also when no record came since the last one (the engine moved without the journal). */
  async #checkpointNow(force: boolean): Promise<void> {
    if (this.#closed || (!force && this.#journalSeq === this.#lastCheckpointSeq)) return;
    const seq = this.#journalSeq;
    const t0 = performance.now();
    // The image replaces the journal records that named these calls: it must remember them itself.
    const calls = this.#calls.stored();
    await this.engine.transaction((tx) => tx.writeMeta(RECENT_CALLS_META_KEY, calls));
    const image = await this.engine.snapshot();
    const dumped = performance.now();
    await this.#store.putCheckpoint({ seq, image, createdAt: Date.now(), version: String(this.#schemaVersion) });
    this.#lastCheckpointSeq = seq;
    this.#checkpointer.reset();
    this.#counters.checkpoints++;
    // A separate transaction: a crash here leaves records ≤ seq, which replay skips.
    await this.#store.trimThrough(seq);
    this.#log(`checkpoint @${seq}: ${(image.size / 1e6).toFixed(1)} MB, dump ${(dumped - t0).toFixed(0)} ms, total ${(performance.now() - t0).toFixed(0)} ms`);
  }

  async countPending(): Promise<number> {
    const rows = await this.engine.query<{ n: number }>('select count(*) as n from tandem_pending');
    return Number(rows[0]?.n ?? 0);
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    await this.#scheduler.idle();
    await this.#journalTail;
  }

  /** Waits for queued work, then closes the engine and the journal store. */
  async close(): Promise<void> {
    await this.idle();
    this.#closed = true;
    this.#checkpointer.stop();
    await this.engine.close();
    this.#store.close();
  }
}

/**
 * The tabs that wrote `records`: a tab's call ids are `<tabId>-<n>` (client open-tandem). Null when
 * one has no call id (the runtime called directly: tests, the worker itself): no tab to put first,
 * so those resolve once every tab has its diffs, as before.
 */
function writerTabs(records: readonly ActionRecord[]): Set<string> | null {
  const tabs = new Set<string>();
  for (const { call } of records) {
    const dash = call?.lastIndexOf('-') ?? -1;
    if (dash <= 0) return null;
    tabs.add(call!.slice(0, dash));
  }
  return tabs;
}

/**
 * The rejection of a journaled action that failed when replayed: `replay_rejected` at the version
 * it was recorded under (actions are deterministic, so one of them is not), `upgrade_rejected`
 * when it was recorded under another.
 */
export function replayRejection(record: ActionRecord, error: unknown, schemaVersion: number): Rejection {
  const data = toErrorData(error, ErrorKind.actionFailed);
  const from = record.v ?? 0;
  const kind = from === schemaVersion ? ErrorKind.replayRejected : ErrorKind.upgradeRejected;
  const message =
    kind === ErrorKind.replayRejected
      ? `Action "${record.name}" (${record.id}) failed when the journal was replayed, so it was rolled back: ${data.message}`
      : `Action "${record.name}" (${record.id}) recorded under schema version ${from} failed under version ${schemaVersion}, so it was rolled back: ${data.message}`;
  const details = { action: record.name, args: record.args, ...(kind === ErrorKind.upgradeRejected ? { fromVersion: from, toVersion: schemaVersion } : {}), cause: data };
  return { id: record.id, seq: record.clientSeq, name: record.name, error: { kind, message, details }, args: (record.args ?? null) as JsonValue };
}
