import { ErrorKind, toErrorData } from '@tandem/core';
import type { Change, ChannelCursor, PullResponse, PushAction, PushResponse, Rejection, SyncStatus, TandemErrorData } from '@tandem/core';
import type { Ledger } from '../actions/ledger.ts';
import type { TabFanout } from '../live/tab-fanout.ts';
import type { JournalStore } from '../store/journal-store.ts';
import type { RejectionList } from '../store/rejection-list.ts';
import { applyServerCommit } from './apply-commit.ts';
import type { EarlyPull } from './early-pull.ts';
import { SyncClient } from './sync-client.ts';
import type { PullState, SyncHost } from './sync-host.ts';
import { SyncState } from './sync-state.ts';
import { TokenRefresher } from './token-refresh.ts';
import { createHttpTransport } from './sync-transport.ts';
import type { UserSession } from './user-session.ts';

export interface WorkerSyncOptions {
  url: string;
  clientId: string;
  /** This code's schema version, sent with every request. */
  schemaVersion: number;
  ledger: Ledger;
  /** The durable list the status shows (the ledger adds the server's rejections to it). */
  rejections: RejectionList;
  store: JournalStore;
  tabs: TabFanout;
  /** The configured channels (added to the stored ones) and each synced table's channel column. */
  channels: readonly string[];
  channelColumns: Record<string, string>;
  token: string | undefined;
  /** Who the database belongs to; while signed out, `token` is ignored and nothing syncs. */
  session: UserSession;
  /** The local database's name, for messages. */
  database: string;
  fetch?: typeof fetch;
  log: (message: string) => void;
  /** A new database's first pull, sent while the engine started (see early-pull.ts). */
  earlyPull?: EarlyPull;
}

/**
 * This worker's sync: the loop, its state, and the host it runs against (the ledger). The loop
 * only ever reads durable state: reads go straight to the engine, not through the scheduler (the
 * engine commits only what the journal holds, and a device's push need not wait for its own live
 * queries to re-run).
 */
export class WorkerSync implements SyncHost {
  readonly clientId: string;
  readonly schemaVersion: number;
  readonly #ledger: Ledger;
  readonly #state: SyncState;
  readonly #channelColumns: Record<string, string>;
  readonly #log: (message: string) => void;
  readonly #client: SyncClient;
  /** Asks a tab's `getToken` for a fresh token when the server refuses this one or it nears expiry. */
  readonly #refresher: TokenRefresher;
  readonly #session: UserSession;
  readonly #database: string;
  #pokesApplied = 0;

  /** Call once the journal is replayed: this session's outbox starts after the last seq it holds. */
  static async start(o: WorkerSyncOptions): Promise<WorkerSync> {
    // A tab's config token must not sign a signed-out user back in (nor sign in anyone else).
    const state = await SyncState.load(o.store, o.channels, o.session.signedOut ? undefined : o.token, o.ledger.clientSeq);
    const sync = new WorkerSync(o, state);
    o.ledger.afterLocalCommit((records) => {
      state.noteCommitted(records);
      sync.#client.localChange();
    });
    sync.#client.setStatus({ user: o.session.owner, signedOut: o.session.signedOut });
    const refusal = o.session.tokenRefusal();
    if (refusal) sync.#client.halt(refusal);
    else sync.#client.start();
    return sync;
  }

  private constructor(o: WorkerSyncOptions, state: SyncState) {
    this.clientId = o.clientId;
    this.schemaVersion = o.schemaVersion;
    this.#ledger = o.ledger;
    this.#state = state;
    this.#channelColumns = o.channelColumns;
    this.#log = o.log;
    this.#refresher = new TokenRefresher({ tabs: o.tabs, current: () => state.token, accept: (token) => this.setToken(token), log: (m) => this.#log(m) });
    o.tabs.onDrop((tabId) => this.#refresher.tabGone(tabId));
    this.#session = o.session;
    this.#database = o.database;
    this.#client = new SyncClient({
      url: o.url,
      token: () => state.token,
      onUnauthorized: (token) => this.#refresher.request('unauthorized', token),
      transport: createHttpTransport(o.url, () => state.token, o.fetch ?? ((...args) => fetch(...args))),
      log: (m) => this.#log(m),
      onStatus: (status) => o.tabs.broadcast({ tandem: 'sync', status }),
      onRejected: (rejections) => o.tabs.broadcast({ tandem: 'rejected', rejections }),
      rejections: () => o.rejections.items,
      host: this,
      ...(o.earlyPull ? { earlyPull: o.earlyPull } : {}),
    });
  }

  get pokesApplied(): number {
    return this.#pokesApplied;
  }

  status(): SyncStatus {
    return this.#client.status();
  }

  /** Adds channels to sync; persisted, so they keep syncing after a restart. */
  async addChannels(channels: string[]): Promise<void> {
    if (await this.#state.add(channels)) this.#client.channelsChanged();
  }

  setToken(token: string): void {
    const refusal = this.#session.tokenRefusal();
    if (refusal) throw refusal;
    if (token === this.#state.token) return; // every tab hands over the profile's token on open
    this.#state.token = token;
    this.#refresher.tokenChanged();
    this.#client.tokenChanged();
  }

  /** A tab's answer to a token request (`TokenRequestMessage`); one nobody waits for any more is ignored. */
  answerTokenRequest(tabId: string, requestId: number, token: string | null): void {
    if (!this.#refresher.answer(tabId, requestId, token)) this.#log(`ignored tab ${tabId}'s answer to token request ${requestId}: not waiting for it`);
  }

  /** Binds the database to `user` (refused for another user: nothing changes) and syncs as them. */
  async signIn(user: string, token: string): Promise<void> {
    await this.#session.signIn(user, this.#database);
    this.#state.token = token;
    this.#refresher.tokenChanged();
    this.#client.setStatus({ user, signedOut: false });
    // Also lifts a halt (this client id was refused as another user's) with the same token.
    this.#client.tokenChanged();
  }

  /** Forgets the token and stops syncing; the outbox waits for the same user's next signIn. */
  async signOut(): Promise<void> {
    await this.#session.signOut();
    this.#state.token = undefined;
    // No token to refresh: a pending round or an expiry timer for the old one asks nobody.
    this.#refresher.tokenChanged();
    this.#client.halt(this.#session.tokenRefusal()!, { signedOut: true });
  }

  syncNow(): Promise<void> {
    return this.#client.syncNow();
  }

  /** The rejection list changed outside a sync (acknowledged): tabs hear the new status. */
  rejectionsChanged(): void {
    this.#client.rejectionsChanged();
  }

  /**
   * The app gives up on a pending action: refused once the server may have it (on the wire, or in a
   * push it answered); otherwise held back from pushes while the ledger rolls it back. It leaves
   * the outbox, and tabs hear the new status.
   */
  async discard(id: string): Promise<Rejection> {
    let held: string | undefined;
    try {
      const rejection = await this.#ledger.discard(id, {
        guard: (action) => {
          this.#client.withhold(action);
          held = action.id;
        },
      });
      this.#state.forget(id);
      this.#client.rejectionsChanged();
      return rejection;
    } finally {
      if (held !== undefined) this.#client.release(held);
    }
  }

  /**
   * Before the worker hands over: when the server is reachable, one more cycle, so local writes
   * leave with this version rather than wait for the next. Bounded: a slow server delays nothing.
   */
  async flush(timeoutMs: number): Promise<void> {
    if (!this.#client.status().online) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([this.#client.syncNow().catch((error: unknown) => this.#log(`last sync before the hand-over failed: ${(error as Error).message ?? String(error)}`)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  stop(): void {
    this.#refresher.stop();
    this.#client.stop();
  }

  // SyncHost: what the loop reads and applies.

  channels(): string[] {
    return this.#state.channels;
  }

  pendingCount(): number {
    return this.#ledger.pendingCount;
  }

  async unpushed(afterSeq: number, limit: number): Promise<PushAction[]> {
    const cached = this.#state.cachedUnpushed(afterSeq, limit);
    if (cached) return cached;
    // Pending since an earlier session (replayed from the journal): only the engine has them.
    if (this.#ledger.pendingCount === 0) return [];
    const rows = await this.#ledger.engine.transaction((tx) => tx.pendingActions(afterSeq, limit));
    return rows.map((a) => ({ id: a.id, seq: a.seq, name: a.name, args: (a.args ?? null) as PushAction['args'], time: a.time }));
  }

  async refuse(action: PushAction, error: TandemErrorData): Promise<Rejection | null> {
    try {
      const rejection = await this.#ledger.discard(action.id, { error });
      this.#state.forget(action.id);
      return rejection;
    } catch (e) {
      // Not pending any more: the app discarded it meanwhile.
      if (toErrorData(e).kind === ErrorKind.invalidRequest) return null;
      throw e;
    }
  }

  async pullState(): Promise<PullState> {
    // Nothing pending (a device that only receives): no engine read at all.
    if (this.#ledger.pendingCount === 0) return { cursors: await this.#syncedCursors([]), lowestPending: undefined };
    const read = await this.#ledger.engine.transaction(async (tx) => ({
      lowest: (await tx.pendingActions(0, 1))[0]?.seq,
      written: await tx.pendingChannels(this.#channelColumns),
    }));
    return { cursors: await this.#syncedCursors(read.written), lowestPending: read.lowest };
  }

  cursors(): Promise<ChannelCursor[]> {
    return this.#syncedCursors([]);
  }

  dropChannel(channel: string): Promise<void> {
    return this.#state.refuse(channel);
  }

  async applyPull(pull: PullResponse, channels: readonly string[]): Promise<Rejection[]> {
    return (await applyServerCommit(this.#ledger, this.#state.channels, pull, channels)).rejected;
  }

  applyPoke(version: number, changes: Change[]): Promise<ChannelCursor[] | null> {
    // Our own actions settle through the push's answer (or the pull after it), which also confirms them.
    const own = `${this.clientId}-`;
    if (changes.some((c) => c.actionId.startsWith(own))) return Promise.resolve(null);
    return applyServerCommit(this.#ledger, this.#state.channels, { version, changes, snapshots: [], lastSeq: 0, rejected: [], more: false }).then((done) => {
      if (!done) return null;
      this.#pokesApplied++;
      return this.#state.channels.map((channel) => ({ channel, cursor: done.cursors[channel] ?? 0 }));
    });
  }

  async applyPushed(response: PushResponse & { changes: Change[] }): Promise<Rejection[] | null> {
    const { version, changes, lastSeq, rejected } = response;
    return (await applyServerCommit(this.#ledger, this.#state.channels, { version, changes, snapshots: [], lastSeq, rejected, more: false }))?.rejected ?? null;
  }

  /**
   * The channels to sync with their cursors. A client syncs every channel it writes to: otherwise a
   * confirmed write to a channel it does not follow would vanish from its own view at the next rebase.
   */
  async #syncedCursors(written: string[]): Promise<ChannelCursor[]> {
    const cursors = this.#ledger.cursors;
    const added = this.#state.unfollowed(written);
    if (added.length > 0) {
      await this.#state.add(added);
      this.#log(`now syncing channel(s) ${added.join(', ')}: local actions wrote to them`);
    }
    return this.#state.channels.map((channel) => ({ channel, cursor: cursors[channel] ?? 0 }));
  }
}
