/**
 * Without SharedWorker, one tab (elected by the Web Lock `leaderLockName`) runs the runtime in a
 * dedicated Worker; the other tabs reach it over BroadcastChannels. The messages both ends speak,
 * written once here.
 */

/** Tab → worker on `dialChannelName(database)`: "connect me on `connectionChannelName(conn)`". */
export interface DialRequest {
  tandem: 'dial';
  conn: string;
}

/** Worker → tabs on the dial channel: `dialed` answers one tab; `serving` says a new worker listens. */
export type DialAnswer = { tandem: 'dialed'; conn: string; workerId: string } | { tandem: 'serving'; workerId: string };

/** The elected tab → its dedicated Worker: a port for the tab itself, and the database to serve. */
export type DedicatedWorkerMessage = { tandem: 'port' } | { tandem: 'serve'; database: string };

export function isConnectionId(conn: unknown): conn is string {
  return typeof conn === 'string' && /^[\w-]{1,100}$/.test(conn);
}

/**
 * A connection as Comlink and Tandem's raw events use it: a MessagePort, or a BroadcastChannel
 * through {@link broadcastChannelEndpoint}. Structurally Comlink's `Endpoint`.
 */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object): void;
  start?(): void;
  close?(): void;
}

/** A BroadcastChannel as an endpoint. It takes no transfer list, and Tandem transfers nothing over it. */
export function broadcastChannelEndpoint(channel: BroadcastChannel): MessageEndpoint {
  return {
    postMessage: (message: unknown) => channel.postMessage(message),
    addEventListener: (type, listener) => channel.addEventListener(type, listener),
    removeEventListener: (type, listener) => channel.removeEventListener(type, listener),
    close: () => channel.close(),
  };
}
