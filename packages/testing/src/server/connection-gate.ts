import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * A TCP pass-through in front of the app's server: what browsers connect to. Closing it makes the
 * server unreachable exactly as a dead host looks (connections refused, open sockets reset) while
 * the server process and its data stay as they are. Browsers cannot be taken offline otherwise:
 * `context.setOffline` does not reach a running SharedWorker.
 */
export class ConnectionGate {
  readonly port: number;
  readonly #upstreamPort: number;
  readonly #host: string;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;

  constructor(port: number, upstreamPort: number, host = '127.0.0.1') {
    this.port = port;
    this.#upstreamPort = upstreamPort;
    this.#host = host;
  }

  get open(): boolean {
    return this.#server !== null;
  }

  /** Accepts connections (again) and passes them to the upstream port. */
  async accept(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  /** Refuses new connections and resets the open ones (HTTP keep-alive, WebSockets). */
  async refuse(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.resetAndDestroy();
    this.#sockets.clear();
    await closed;
  }

  #pipe(client: Socket): void {
    const upstream = connect(this.#upstreamPort, this.#host);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const drop = () => {
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
      // A reset, not an orderly end: the peer must see the failure a dead server causes.
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    // Half-closes pass through, so HTTP/1.1 semantics are untouched.
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
