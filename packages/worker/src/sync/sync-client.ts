import { ErrorKind, TandemError, toErrorData } from '@tandem/core';
import type { Change, PushAction, Rejection, SyncStatus, TandemErrorData } from '@tandem/core';
import { Backoff } from './backoff.ts';
import type { EarlyPull } from './early-pull.ts';
import { pull } from './pull.ts';
import { push } from './push.ts';
import { StatusLine } from './status-line.ts';
import type { SyncHost } from './sync-host.ts';
import { SocketLink } from './socket-link.ts';
import { socketFirst } from './sync-socket.ts';
import type { SyncTransport } from './sync-transport.ts';
import { isTransient } from './sync-transport.ts';

export interface SyncClientOptions {
  url: string;
  host: SyncHost;
  /** HTTP push/pull: used whenever the socket is not ready. */
  transport: SyncTransport;
  token: () => string | undefined;
  /**
   * The server refused `token` (the one the request or the socket's hello carried) as unauthorized:
   * the worker asks a tab for a fresh one. The loop itself retries as before (≥10 s).
   */
  onUnauthorized?: (token: string | undefined) => void;
  onStatus: (status: SyncStatus) => void;
  onRejected: (rejections: Rejection[]) => void;
  /**
   * The durable list of unacknowledged rejections, when the caller keeps one (the worker does):
   * the status shows it. Without it the status lists this session's rejections.
   */
  rejections?: () => Rejection[];
  log: (message: string) => void;
  /** Polling interval while the socket is down but requests succeed. */
  pollMs?: number;
  pushBatch?: number;
  WebSocket?: typeof WebSocket;
  /** A new database's first pull, already sent (see early-pull.ts): the first pull may take its answer. */
  earlyPull?: EarlyPull;
}

/** The channel a `forbidden` pull names (the server's details: `{ channel }`), if any. */
function forbiddenChannel(error: { kind: string; details?: unknown }): string | null {
  if (error.kind !== ErrorKind.forbidden) return null;
  const details = error.details as { details?: { channel?: unknown } } | undefined;
  return typeof details?.details?.channel === 'string' ? details.details.channel : null;
}

/** A `forbidden` naming this client: the server registered its id to another user (clients.ts). */
function forbiddenClientId(error: { kind: string; details?: unknown }, clientId: string): boolean {
  if (error.kind !== ErrorKind.forbidden) return false;
  const details = error.details as { details?: { clientId?: unknown } } | undefined;
  return details?.details?.clientId === clientId;
}

/**
 * The worker's sync loop: push the outbox in order, pull until caught up, rebase in one step.
 * One cycle runs at a time; anything that asks for a sync meanwhile (a local write, a poke, a new
 * channel) marks the state dirty and the loop goes round again. Failures switch to offline and
 * retry with capped, jittered backoff; the socket only makes the loop react faster.
 */
export class SyncClient {
  readonly #o: SyncClientOptions;
  readonly #retry = new Backoff(500, 10_000);
  #running: Promise<void> | null = null;
  #dirty = false;
  /**
   * Something other than a local write asked for a cycle (a poke that did not apply, the socket
   * opening, new channels, syncNow, a retry): that cycle must pull, whatever its push answered.
   */
  #pullWanted = true;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The timer is a retry after a failure (not a poll): only explicit causes cut it short. */
  #backingOff = false;
  readonly #socket: SocketLink;
  /** Over the socket when it is ready, HTTP otherwise. */
  readonly #transport: SyncTransport;
  #stopped = false;
  /** Highest seq the server has acknowledged this session; pushes resume after it. */
  #pushedThrough = 0;
  /** The actions of the push on the wire, if any. */
  #sending: readonly PushAction[] | null = null;
  /** Actions the app is discarding: not sent, and nothing behind them either, until released. */
  readonly #withheld = new Set<string>();
  readonly #status: StatusLine;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** The server needs a newer app: no more pulls or pokes until the page reloads (pushes go on). */
  #updateRequired = false;
  /** Why sync is halted (signed out; this client id is another user's): nothing runs until `tokenChanged`. */
  #halted: TandemErrorData | null = null;

  constructor(options: SyncClientOptions) {
    this.#o = options;
    this.#status = new StatusLine(options.onStatus, () => options.host.pendingCount(), options.rejections);
    this.#socket = new SocketLink({
      url: options.url,
      clientId: options.host.clientId,
      ...(options.host.schemaVersion !== undefined ? { schemaVersion: options.host.schemaVersion } : {}),
      token: options.token,
      channels: () => options.host.channels(),
      kick: () => this.kick(),
      ...(options.onUnauthorized ? { onUnauthorized: options.onUnauthorized } : {}),
      onPoke: (version, changes) => this.#applyPoke(version, changes),
      log: options.log,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    });
    this.#transport = socketFirst(options.transport, () => this.#socket.socket);
  }

  start(): void {
    this.#socket.open();
    this.kick();
  }

  /** Something changed locally or remotely: run a cycle now (or right after the current one). */
  kick(): void {
    this.#pullWanted = true;
    this.#runSoon();
  }

  #runSoon(): void {
    if (this.#stopped || this.#halted) return;
    this.#dirty = true;
    this.#backingOff = false;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#running ??= this.#loop();
  }

  /** Runs a cycle and resolves when one that started after this call has finished. */
  syncNow(): Promise<void> {
    if (this.#halted) return Promise.reject(this.#halted);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** The channel set changed: tell the socket and pull. */
  channelsChanged(): void {
    this.#socket.setChannels(this.#o.host.channels());
    this.kick();
  }

  tokenChanged(): void {
    this.#halted = null;
    this.#retry.reset();
    this.#socket.reopen();
    this.kick();
  }

  status(): SyncStatus {
    return this.#status.current;
  }

  /**
   * Whether the server may have run this action already: it is on the wire, or a push it was in has
   * been answered (its verdict comes with the next pull). The app may not discard it then: only
   * the server's answer can settle it.
   */
  sentToServer(action: { id: string; seq: number }): boolean {
    return action.seq <= this.#pushedThrough || (this.#sending?.some((a) => a.id === action.id) ?? false);
  }

  /**
   * The app is discarding this action: refused (`invalid_request`) when the server may have it;
   * otherwise it is not sent until `release`. Checked and held in one step, so a push cannot pick
   * it up in between.
   */
  withhold(action: { id: string; seq: number; name: string }): void {
    if (this.sentToServer(action)) {
      throw new TandemError(
        ErrorKind.invalidRequest,
        `Action "${action.name}" (${action.id}) has been sent to the sync server, which may have run it: only the server's answer can settle it now (a refusal arrives through onRejected).`,
        { id: action.id },
      );
    }
    this.#withheld.add(action.id);
  }

  /** The discard is over (committed or failed): the outbox moves on. */
  release(id: string): void {
    this.#withheld.delete(id);
    this.localChange();
  }

  /**
   * Stops pushing, pulling and retrying until the token changes (`tokenChanged`): what retrying
   * cannot fix. The status says why; `syncNow` is refused with it.
   */
  halt(reason: TandemErrorData, status: Partial<Omit<SyncStatus, 'pending'>> = {}): void {
    this.#halted = reason;
    this.#backingOff = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#socket.pause();
    for (const w of this.#waiters.splice(0)) w.reject(reason);
    this.#status.update({ online: false, lastError: reason, ...status });
  }

  /** Status fields the loop does not own (who is signed in). */
  setStatus(status: Partial<Omit<SyncStatus, 'pending'>>): void {
    this.#status.update(status);
  }

  /** The durable rejection list changed (acknowledged): tabs hear the new status. */
  rejectionsChanged(): void {
    this.#status.publish();
  }

  /** The pending count changed (a local batch committed): tabs hear about it, and it syncs. */
  localChange(): void {
    this.#status.localCommit();
    // While backing off from a failure, a local write must not hammer the lost server (and slow
    // every write down with a doomed request): it waits for the retry, which pushes it.
    if (this.#backingOff) this.#dirty = true;
    else this.#runSoon();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#status.stop();
    this.#socket.close();
    for (const w of this.#waiters.splice(0)) w.reject(toErrorData(new Error('The sync client stopped.'), ErrorKind.closed));
  }

  async #loop(): Promise<void> {
    try {
      while (this.#dirty && !this.#stopped && !this.#halted) {
        this.#dirty = false;
        const waiters = this.#waiters.splice(0);
        // The token this cycle's requests carry: a refusal is about it, not about one set meanwhile.
        const token = this.#o.token();
        try {
          await this.#cycle();
          this.#retry.reset();
          // Halted meanwhile (signed out): the status keeps saying so.
          if (!this.#halted) this.#status.update({ online: true, lastError: null, ...(this.#updateRequired ? {} : { lastSyncAt: Date.now() }) });
          for (const w of waiters) w.resolve();
        } catch (error) {
          if (this.#halted) {
            // Signed out mid-cycle (its token went with it): no retry, the halt says why.
            for (const w of waiters) w.reject(this.#halted);
            return;
          }
          const data = toErrorData(error, ErrorKind.syncFailed);
          const refused = forbiddenChannel(data);
          if (refused !== null) {
            // One unreadable channel must not stop the others: drop it, say why, go on at once.
            await this.#o.host.dropChannel(refused);
            this.#o.log(`stopped syncing channel ${JSON.stringify(refused)}: ${data.message}`);
            this.#status.update({ lastError: data });
            this.#socket.setChannels(this.#o.host.channels());
            this.#dirty = true;
            for (const w of waiters) w.reject(data);
            continue;
          }
          if (forbiddenClientId(data, this.#o.host.clientId)) {
            // Every retry would get the same 403, forever: only another token (the right user) helps.
            this.#o.log(`sync halted: ${data.message}`);
            this.halt({
              ...data,
              message: `${data.message} This local database was first synced by another user: sign in as that user again, or sign out with data: 'wipe' (a fresh client id), or open a database per user. Sync is halted until signIn or setToken.`,
            });
            for (const w of waiters) w.reject(this.#halted);
            return;
          }
          if (data.kind === ErrorKind.unauthorized) this.#o.onUnauthorized?.(token);
          const delay = isTransient(data) ? this.#retry.next() : Math.max(this.#retry.next(), 10_000);
          this.#o.log(`sync failed (${data.kind}): ${data.message} — retrying in ${(delay / 1000).toFixed(1)} s`);
          this.#status.update({ online: false, lastError: data });
          for (const w of waiters) w.reject(data);
          this.#schedule(delay);
          this.#backingOff = true;
          return;
        }
      }
      // Without a socket nothing tells us about remote changes: poll.
      if (!this.#socket.isOpen && !this.#stopped && !this.#halted) this.#schedule(this.#o.pollMs ?? 5_000);
    } finally {
      this.#running = null;
      this.#status.update({ syncing: false });
      if (this.#dirty && !this.#timer && !this.#stopped && !this.#halted) this.#running = this.#loop();
    }
  }

  async #cycle(): Promise<void> {
    const { host } = this.#o;
    const transport = this.#transport;
    this.#status.update({ syncing: true });
    const mustPull = this.#pullWanted;
    this.#pullWanted = false;
    const { answers, refused } = await push(transport, host, this.#pushedThrough, this.#o.pushBatch ?? 500, {
      pushed: (seq) => (this.#pushedThrough = seq),
      sending: (actions) => {
        const cut = actions?.findIndex((a) => this.#withheld.has(a.id)) ?? -1;
        const sendable = actions && cut !== -1 ? actions.slice(0, cut) : actions;
        this.#sending = sendable && sendable.length > 0 ? sendable : null;
        return sendable ?? [];
      },
    });
    if (refused.length > 0) {
      this.#o.log(`gave up on ${refused.length} action(s) the sync server refuses to take: ${refused.map((r) => `${r.id} (${r.error.kind})`).join(', ')}`);
      await this.#settled(refused);
    }

    // One push whose answer carries its commit: that confirms it, one round trip (and a server
    // transaction) sooner than a pull, unless something else asked for a pull.
    const only = answers.length === 1 ? answers[0]! : undefined;
    if (!mustPull && only?.changes) {
      const dropped = await host.applyPushed({ ...only, changes: only.changes });
      if (dropped) return this.#settled(dropped);
    }

    if (this.#updateRequired) return;
    // Read after the pushes, off the path from this device's write to the server.
    const state = await host.pullState();
    // The host may have added channels (ones local actions wrote to): the socket must poke for them too.
    this.#socket.follow(state.cursors.map((c) => c.channel));
    let pulled;
    try {
      pulled = await pull(transport, host.clientId, state.cursors, state.lowestPending, host.schemaVersion, (request) => this.#o.earlyPull?.take(request, this.#o.token()) ?? null);
    } catch (error) {
      if (toErrorData(error).kind !== ErrorKind.updateRequired) throw error;
      // The server's data has a shape this code does not know: applying it could only go wrong.
      // Local writes still reach the server (it upgrades them); the app should offer a reload.
      this.#updateRequired = true;
      this.#o.log(`the sync server needs a newer version of this app: pulls stop until the page reloads (${toErrorData(error).message})`);
      this.#status.update({ updateRequired: true });
      return;
    }
    await this.#settled(await host.applyPull(pulled, state.cursors.map((c) => c.channel)));
  }

  /** After a rebase: the cursors, and the rejections it dropped, for every tab. */
  async #settled(dropped: Rejection[]): Promise<void> {
    this.#status.update({ channels: await this.#o.host.cursors() });
    if (dropped.length > 0) {
      if (this.#o.rejections) this.#status.publish();
      else this.#status.addRejections(dropped);
      this.#o.onRejected(dropped);
    }
  }

  /**
   * A poke with the commit's changes: applied directly, one round trip sooner than a pull, when the
   * commit follows on from this client's cursors; otherwise (a gap, our own actions) it pulls.
   */
  #applyPoke(version: number, changes: Change[]): void {
    if (this.#stopped || this.#updateRequired || this.#halted) return;
    this.#o.host.applyPoke(version, changes).then(
      (cursors) => {
        if (!cursors) return this.kick();
        this.#status.update({ channels: cursors, lastSyncAt: Date.now() });
      },
      (error: unknown) => {
        this.#o.log(`could not apply a poke's changes (${toErrorData(error).message}): pulling instead`);
        this.kick();
      },
    );
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.kick();
    }, delayMs);
  }
}
