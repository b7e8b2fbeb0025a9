import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface RoundTripCounter {
  /** The database URL with its host and port replaced by the proxy's. */
  url: string;
  /** Round trips since the last reset, over all proxied connections. */
  count(): number;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of PostgreSQL that counts round trips: every time the client sends after
 * the server has answered, it had to wait for that answer, which is one round trip. Statements
 * pipelined together go out in one burst and count once, whatever their number.
 */
export async function startRoundTripCounter(databaseUrl: string): Promise<RoundTripCounter> {
  const target = new URL(databaseUrl);
  let trips = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let clientSpokeLast = false;
    client.on('data', (chunk) => {
      if (!clientSpokeLast) trips++;
      clientSpokeLast = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      clientSpokeLast = false;
      client.write(chunk);
    });
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.on('error', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    count: () => trips,
    reset() {
      trips = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
