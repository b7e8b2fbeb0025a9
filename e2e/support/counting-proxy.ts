// A reverse proxy in front of a test's server that records what each response cost: the server side
// of "what did the browser download". Counted here because a SharedWorker's requests are not all
// visible to Playwright's page events, while every one that leaves the browser's cache reaches us.
// WebSocket upgrades are piped through uncounted (the sync socket).
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  status: number;
  /** Body bytes the proxy passed to the browser. */
  bytes: number;
}

export interface CountingProxy {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 that forwards everything to `target` (an http://host:port URL). */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const { hostname, port } = new URL(target);
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer: IncomingMessage) => {
      const exchange: Exchange = { method: req.method ?? 'GET', path: req.url ?? '/', status: answer.statusCode ?? 0, bytes: 0 };
      exchanges.push(exchange);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        exchange.bytes += chunk.length;
      });
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const upstream = connect(Number(port), hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${k}: ${one}`))];
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
