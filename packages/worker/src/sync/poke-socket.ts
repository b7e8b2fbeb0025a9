import { parseServerSocketMessage } from '@tandem/core';
import type { Change, ClientSocketMessage, TandemErrorData } from '@tandem/core';

export interface PokeSocketEvents {
  onOpen(version: number): void;
  /** `changes`: all of commit `version`'s changes in the followed channels, when the server sent them. */
  onPoke(version: number, changes?: Change[]): void;
  onClose(error: TandemErrorData | null): void;
}

/**
 * The worker's one WebSocket to the server: it only carries pokes ("channels you follow changed",
 * with the changes when the commit was small), so losing it loses no data: pulls are the source of
 * truth, and the sync client falls back to polling and reconnects.
 */
export class PokeSocket {
  readonly #socket: WebSocket;
  #closed = false;

  constructor(url: string, hello: Extract<ClientSocketMessage, { type: 'hello' }>, events: PokeSocketEvents, WebSocketImpl: typeof WebSocket = WebSocket) {
    this.#socket = new WebSocketImpl(url);
    let error: TandemErrorData | null = null;
    let ready = false;
    this.#socket.addEventListener('open', () => this.#send(hello));
    this.#socket.addEventListener('message', (event: MessageEvent) => {
      let message;
      try {
        message = parseServerSocketMessage(JSON.parse(String(event.data)));
      } catch {
        // A newer server may send messages this client does not know. Pull anyway: if it was a
        // poke whose changes did not validate, the pull fetches them.
        events.onPoke(0);
        return;
      }
      if (message.type === 'ready') {
        ready = true;
        events.onOpen(message.version);
      } else if (message.type === 'poke') events.onPoke(message.version, message.changes);
      else error = message.error;
    });
    this.#socket.addEventListener('close', (event: CloseEvent) => {
      if (this.#closed) return;
      this.#closed = true;
      events.onClose(error ?? (ready ? null : { kind: 'sync_failed', message: `Sync socket closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).` }));
    });
  }

  setChannels(channels: string[]): void {
    this.#send({ type: 'channels', channels });
  }

  close(): void {
    this.#closed = true;
    this.#socket.close();
  }

  #send(message: ClientSocketMessage): void {
    if (this.#socket.readyState === 1) this.#socket.send(JSON.stringify(message));
  }
}
