import { ErrorKind } from '@tandem/core';
import type { Change } from '@tandem/core';
import { Backoff } from './backoff.ts';
import { SyncSocket } from './sync-socket.ts';

export interface SocketLinkOptions {
  url: string;
  clientId: string;
  /** Said in the hello: the server refuses a socket of another schema version. */
  schemaVersion?: number;
  token: () => string | undefined;
  /** The channels to be poked for, as the hello says them. */
  channels: () => string[];
  /** Opened, lost, or poked without the changes: the loop should run. */
  kick: () => void;
  /** The server refused the hello's `token` as unauthorized (close 4401): the worker asks a tab for a fresh one. */
  onUnauthorized?: (token: string | undefined) => void;
  /** Poked with all of commit `version`'s changes in the followed channels. */
  onPoke: (version: number, changes: Change[]) => void;
  log: (message: string) => void;
  WebSocket?: typeof WebSocket;
}

/** How long a socket refused for its schema version waits before saying hello again. */
const VERSION_RETRY_MS = 60_000;

/**
 * The sync loop's socket over time: opened with the client's hello, reopened with backoff when
 * lost (or at once with a new token), and told which channels to poke for.
 */
export class SocketLink {
  readonly #o: SocketLinkOptions;
  readonly #retry = new Backoff(1000, 10_000);
  #socket: SyncSocket | null = null;
  #open = false;
  /** The channel list the socket was last told about (newline-joined). */
  #channels = '';
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(options: SocketLinkOptions) {
    this.#o = options;
  }

  /** The socket, when there is one (it may not be ready yet). */
  get socket(): SyncSocket | null {
    return this.#socket;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Tells the socket the current channels. */
  setChannels(channels: string[]): void {
    this.#socket?.setChannels(channels);
  }

  /** Tells the socket `channels` when they differ from what it was last told. */
  follow(channels: string[]): void {
    const joined = channels.join('\n');
    if (joined === this.#channels) return;
    this.#channels = joined;
    this.#socket?.setChannels(channels);
  }

  open(): void {
    if (this.#stopped || typeof (this.#o.WebSocket ?? globalThis.WebSocket) !== 'function') return;
    const url = `${this.#o.url.replace(/^http/, 'ws')}/ws`;
    const token = this.#o.token();
    let unreadableLogged = false;
    const socket: SyncSocket = new SyncSocket(
      url,
      {
        type: 'hello',
        clientId: this.#o.clientId,
        channels: this.#o.channels(),
        ...(token ? { token } : {}),
        ...(this.#o.schemaVersion !== undefined ? { schemaVersion: this.#o.schemaVersion } : {}),
      },
      {
        onOpen: () => {
          this.#open = true;
          this.#channels = this.#o.channels().join('\n');
          this.#retry.reset();
          this.#o.kick();
        },
        onPoke: (version, changes) => (changes ? this.#o.onPoke(version, changes) : this.#o.kick()),
        onUnreadable: (reason) => {
          // Once per socket: a newer server could send an unknown message with every commit.
          if (unreadableLogged) return;
          unreadableLogged = true;
          this.#o.log(`sync socket: a server message did not validate, pulling instead (${reason.slice(0, 200)})`);
        },
        onClose: (error) => {
          if (this.#socket !== socket) return;
          this.#socket = null;
          this.#open = false;
          if (error && error.kind !== ErrorKind.syncFailed) this.#o.log(`sync socket refused: ${error.message}`);
          if (error?.kind === ErrorKind.unauthorized) this.#o.onUnauthorized?.(token);
          // A lost socket usually means a lost server: find out now rather than at the next poll.
          this.#o.kick();
          // Refused for its schema version: HTTP carries on (pushes still work for an older app),
          // and only a deploy changes the server's answer, so asking again soon is pointless.
          const versions = error?.kind === ErrorKind.updateRequired || error?.kind === ErrorKind.serverOutdated;
          this.#timer = setTimeout(() => this.open(), versions ? VERSION_RETRY_MS : this.#retry.next());
        },
      },
      this.#o.WebSocket,
    );
    this.#socket = socket;
  }

  /** A new token: the socket must say hello with it. */
  reopen(): void {
    const old = this.#socket;
    this.#socket = null;
    this.#open = false;
    old?.close();
    if (this.#timer) clearTimeout(this.#timer);
    this.open();
  }

  /** Sync is halted (signed out, or this client id is another user's): no socket until `reopen`. */
  pause(): void {
    const old = this.#socket;
    this.#socket = null;
    this.#open = false;
    if (this.#timer) clearTimeout(this.#timer);
    old?.close();
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket?.close();
  }
}
