import { ErrorKind, toErrorData } from '@tandem/core';
import type { Change, ChannelCursor, PullResponse, PushAction, PushResponse, Rejection, SyncStatus } from '@tandem/core';
import { Backoff } from './backoff.ts';
import { mergePulls } from './merge-pulls.ts';
import { SyncSocket, socketFirst } from './sync-socket.ts';
import type { SyncTransport } from './sync-transport.ts';
import { isTransient } from './sync-transport.ts';

/** What a pull needs from local state, read once the pushes are done. */
export interface PullState {
  /** The synced channels with the version each has reached (0 = never pulled). */
  cursors: ChannelCursor[];
  /** Lowest seq still pending, for the server's rejection report. */
  lowestPending: number | undefined;
}

/** What the sync loop needs from the runtime. It only ever reads durable (committed) state. */
export interface SyncHost {
  readonly clientId: string;
  /**
   * Pending actions with seq > `afterSeq`, oldest first, at most `limit`. The first thing on the
   * path of every change from one device to another: the runtime answers from the batches it
   * committed this session when it can, without reading the engine.
   */
  unpushed(afterSeq: number, limit: number): Promise<PushAction[]>;
  /** The cursors and lowest pending seq for the pull that follows the pushes. */
  pullState(): Promise<PullState>;
  /** The channels this client syncs. */
  channels(): string[];
  /** The synced channels with the version each has reached (0 = never pulled). */
  cursors(): Promise<ChannelCursor[]>;
  /** Stops syncing a channel the server refuses to let this user read. */
  dropChannel(channel: string): Promise<void>;
  /**
   * Rebases onto the server's changes, durably, in one step; returns the rejections it dropped.
   * `channels`: the ones the pull asked for (only those are now at `pull.version`).
   */
  applyPull(pull: PullResponse, channels: readonly string[]): Promise<Rejection[]>;
  /**
   * Applies a poke's changes (all of commit `version` in their channels) when every one of those
   * channels is at `version - 1`; returns the cursors afterwards, or null when it could not (the
   * caller pulls instead).
   */
  applyPoke(version: number, changes: Change[]): Promise<ChannelCursor[] | null>;
  /**
   * Confirms pushed actions with the push's own commit (`response.changes`) when every channel it
   * touched is at `version - 1`, rebasing as a pull would; returns the rejections it dropped, or null
   * when it could not (the caller pulls instead).
   */
  applyPushed(response: PushResponse & { changes: Change[] }): Promise<Rejection[] | null>;
  pendingCount(): number;
}

export interface SyncClientOptions {
  url: string;
  host: SyncHost;
  /** HTTP push/pull: used whenever the socket is not ready. */
  transport: SyncTransport;
  token: () => string | undefined;
  onStatus: (status: SyncStatus) => void;
  onRejected: (rejections: Rejection[]) => void;
  log: (message: string) => void;
  /** Polling interval while the socket is down but requests succeed. */
  pollMs?: number;
  pushBatch?: number;
  WebSocket?: typeof WebSocket;
}

const MAX_REJECTIONS = 50;

/** The channel a `forbidden` pull names (the server's details: `{ channel }`), if any. */
function forbiddenChannel(error: { kind: string; details?: unknown }): string | null {
  if (error.kind !== ErrorKind.forbidden) return null;
  const details = error.details as { details?: { channel?: unknown } } | undefined;
  return typeof details?.details?.channel === 'string' ? details.details.channel : null;
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
  readonly #socketRetry = new Backoff(1000, 10_000);
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
  #socketTimer: ReturnType<typeof setTimeout> | null = null;
  #socket: SyncSocket | null = null;
  /** Over the socket when it is ready, HTTP otherwise. */
  readonly #transport: SyncTransport;
  #socketOpen = false;
  /** The channel list the socket was last told about (newline-joined). */
  #socketChannels = '';
  #stopped = false;
  /** Highest seq the server has acknowledged this session; pushes resume after it. */
  #pushedThrough = 0;
  #status: Omit<SyncStatus, 'pending'> = { enabled: true, online: false, syncing: false, channels: [], lastError: null, lastSyncAt: null, rejections: [] };
  #statusTimer: ReturnType<typeof setTimeout> | null = null;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(options: SyncClientOptions) {
    this.#o = options;
    this.#transport = socketFirst(options.transport, () => this.#socket);
  }

  start(): void {
    this.#openSocket();
    this.kick();
  }

  /** Something changed locally or remotely: run a cycle now (or right after the current one). */
  kick(): void {
    this.#pullWanted = true;
    this.#runSoon();
  }

  #runSoon(): void {
    if (this.#stopped) return;
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
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** The channel set changed: tell the socket and pull. */
  channelsChanged(): void {
    this.#socket?.setChannels(this.#o.host.channels());
    this.kick();
  }

  tokenChanged(): void {
    this.#retry.reset();
    this.#reopenSocket();
    this.kick();
  }

  status(): SyncStatus {
    return { ...this.#status, pending: this.#o.host.pendingCount() };
  }

  /** The pending count changed (a local batch committed): tabs hear about it, and it syncs. */
  localChange(): void {
    this.#publishStatus();
    // While backing off from a failure, a local write must not hammer the lost server (and slow
    // every write down with a doomed request): it waits for the retry, which pushes it.
    if (this.#backingOff) this.#dirty = true;
    else this.#runSoon();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#socketTimer) clearTimeout(this.#socketTimer);
    if (this.#statusTimer) clearTimeout(this.#statusTimer);
    this.#socket?.close();
    for (const w of this.#waiters.splice(0)) w.reject(toErrorData(new Error('The sync client stopped.'), ErrorKind.closed));
  }

  async #loop(): Promise<void> {
    try {
      while (this.#dirty && !this.#stopped) {
        this.#dirty = false;
        const waiters = this.#waiters.splice(0);
        try {
          await this.#cycle();
          this.#retry.reset();
          this.#update({ online: true, lastError: null, lastSyncAt: Date.now() });
          for (const w of waiters) w.resolve();
        } catch (error) {
          const data = toErrorData(error, ErrorKind.syncFailed);
          const refused = forbiddenChannel(data);
          if (refused !== null) {
            // One unreadable channel must not stop the others: drop it, say why, go on at once.
            await this.#o.host.dropChannel(refused);
            this.#o.log(`stopped syncing channel ${JSON.stringify(refused)}: ${data.message}`);
            this.#update({ lastError: data });
            this.#socket?.setChannels(this.#o.host.channels());
            this.#dirty = true;
            for (const w of waiters) w.reject(data);
            continue;
          }
          const delay = isTransient(data) ? this.#retry.next() : Math.max(this.#retry.next(), 10_000);
          this.#o.log(`sync failed (${data.kind}): ${data.message} — retrying in ${(delay / 1000).toFixed(1)} s`);
          this.#update({ online: false, lastError: data });
          for (const w of waiters) w.reject(data);
          this.#schedule(delay);
          this.#backingOff = true;
          return;
        }
      }
      // Without a socket nothing tells us about remote changes: poll.
      if (!this.#socketOpen && !this.#stopped) this.#schedule(this.#o.pollMs ?? 5_000);
    } finally {
      this.#running = null;
      this.#update({ syncing: false });
      if (this.#dirty && !this.#timer && !this.#stopped) this.#running = this.#loop();
    }
  }

  async #cycle(): Promise<void> {
    const { host } = this.#o;
    const transport = this.#transport;
    this.#update({ syncing: true });
    const mustPull = this.#pullWanted;
    this.#pullWanted = false;
    let limit = this.#o.pushBatch ?? 500;
    const answers: PushResponse[] = [];
    for (;;) {
      const actions = await host.unpushed(this.#pushedThrough, limit);
      if (actions.length === 0) break;
      let response;
      try {
        response = await transport.push({ clientId: host.clientId, actions });
      } catch (error) {
        // Big args can make a batch exceed the server's body limit: send fewer at a time.
        if (toErrorData(error).kind === ErrorKind.tooLarge && limit > 1) {
          limit = Math.max(1, Math.floor(limit / 2));
          continue;
        }
        throw error;
      }
      answers.push(response);
      // Processed means applied, rejected or skipped as a duplicate: resume after the last one sent.
      this.#pushedThrough = actions[actions.length - 1]!.seq;
      if (actions.length < limit) break;
    }

    // One push whose answer carries its commit: that confirms it, one round trip (and a server
    // transaction) sooner than a pull, unless something else asked for a pull.
    const only = answers.length === 1 ? answers[0]! : undefined;
    if (!mustPull && only?.changes) {
      const dropped = await host.applyPushed({ ...only, changes: only.changes });
      if (dropped) return this.#settled(dropped);
    }

    const pages: PullResponse[] = [];
    // Read after the pushes, off the path from this device's write to the server.
    const state = await host.pullState();
    let cursors = state.cursors;
    // The host may have added channels (ones local actions wrote to): the socket must poke for them too.
    const channels = cursors.map((c) => c.channel).join('\n');
    if (channels !== this.#socketChannels) {
      this.#socketChannels = channels;
      this.#socket?.setChannels(cursors.map((c) => c.channel));
    }
    const pendingFrom = state.lowestPending;
    for (;;) {
      const page = await transport.pull({ clientId: host.clientId, channels: cursors, ...(pendingFrom !== undefined ? { pendingFrom } : {}) });
      pages.push(page);
      if (!page.more) break;
      cursors = cursors.map((c) => ({ channel: c.channel, cursor: page.version }));
    }
    await this.#settled(await host.applyPull(mergePulls(pages), state.cursors.map((c) => c.channel)));
  }

  /** After a rebase: the cursors, and the rejections it dropped, for every tab. */
  async #settled(dropped: Rejection[]): Promise<void> {
    this.#update({ channels: await this.#o.host.cursors() });
    if (dropped.length > 0) {
      this.#update({ rejections: [...this.#status.rejections, ...dropped].slice(-MAX_REJECTIONS) });
      this.#o.onRejected(dropped);
    }
  }

  /**
   * A poke with the commit's changes: applied directly, one round trip sooner than a pull, when the
   * commit follows on from this client's cursors; otherwise (a gap, our own actions) it pulls.
   */
  #applyPoke(version: number, changes: Change[]): void {
    if (this.#stopped) return;
    this.#o.host.applyPoke(version, changes).then(
      (cursors) => {
        if (!cursors) return this.kick();
        this.#update({ channels: cursors, lastSyncAt: Date.now() });
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

  #openSocket(): void {
    if (this.#stopped || typeof (this.#o.WebSocket ?? globalThis.WebSocket) !== 'function') return;
    const url = `${this.#o.url.replace(/^http/, 'ws')}/ws`;
    const token = this.#o.token();
    const socket: SyncSocket = new SyncSocket(
      url,
      { type: 'hello', clientId: this.#o.host.clientId, channels: this.#o.host.channels(), ...(token ? { token } : {}) },
      {
        onOpen: () => {
          this.#socketOpen = true;
          this.#socketChannels = this.#o.host.channels().join('\n');
          this.#socketRetry.reset();
          this.kick();
        },
        onPoke: (version, changes) => (changes ? this.#applyPoke(version, changes) : this.kick()),
        onClose: (error) => {
          if (this.#socket !== socket) return;
          this.#socket = null;
          this.#socketOpen = false;
          if (error && error.kind !== ErrorKind.syncFailed) this.#o.log(`sync socket refused: ${error.message}`);
          // A lost socket usually means a lost server: find out now rather than at the next poll.
          this.kick();
          this.#socketTimer = setTimeout(() => this.#openSocket(), this.#socketRetry.next());
        },
      },
      this.#o.WebSocket,
    );
    this.#socket = socket;
  }

  #reopenSocket(): void {
    const old = this.#socket;
    this.#socket = null;
    this.#socketOpen = false;
    old?.close();
    if (this.#socketTimer) clearTimeout(this.#socketTimer);
    this.#openSocket();
  }

  #update(patch: Partial<Omit<SyncStatus, 'pending'>>): void {
    let changed = false;
    for (const [k, v] of Object.entries(patch) as [keyof typeof patch, unknown][]) {
      if (JSON.stringify(this.#status[k]) !== JSON.stringify(v)) {
        (this.#status as Record<string, unknown>)[k] = v;
        changed = true;
      }
    }
    if (changed) this.#publishStatus();
  }

  /** Coalesced: a burst of writes is one status message per tab, not one per write. */
  #publishStatus(): void {
    if (this.#statusTimer || this.#stopped) return;
    this.#statusTimer = setTimeout(() => {
      this.#statusTimer = null;
      this.#o.onStatus(this.status());
    }, 20);
  }
}
