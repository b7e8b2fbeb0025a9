/**
 * `GET {base}/ws`: upgrades to a WebSocket and runs a {@link createSocketSession} on it. Also keeps
 * connections honest: a ping every `pingIntervalMs` (a peer that has not answered the previous one
 * is dropped, so dead peers stop holding subscriptions), a deadline for `hello`, and a frame size cap.
 */
import type { Hono } from 'hono';
import type { NodeWebSocket } from '@hono/node-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { PokeHub } from '../realtime/poke-hub.ts';
import type { CommitInfo, SyncStore } from '../sync/sync-store.ts';
import type { Authenticate, CanRead } from './auth.ts';
import type { Logger } from './errors.ts';
import { SocketClose, createSocketSession } from './socket-session.ts';

/** A full `hello` (1000 channels of 200 characters and a token) fits comfortably. */
const MIN_FRAME_BYTES = 1024 * 1024;
/** How long `close()` waits for peers to acknowledge the close frame before cutting them off. */
const CLOSE_GRACE_MS = 500;

export interface SocketRouteOptions {
  path: string;
  upgradeWebSocket: NodeWebSocket['upgradeWebSocket'];
  wss: WebSocketServer;
  store: SyncStore;
  hub: PokeHub;
  committed(commit: CommitInfo): void;
  authenticate: Authenticate;
  canRead: CanRead;
  logger: Logger;
  pingIntervalMs: number;
  helloTimeoutMs: number;
  bodyLimit: number;
}

export interface SocketRoute {
  /** Closes every socket (1001) and stops pinging. */
  close(): Promise<void>;
}

export function addSocketRoute(app: Hono, options: SocketRouteOptions): SocketRoute {
  const { wss, logger } = options;
  // Room for a push or pull message as large as the body limit plus its envelope, so an oversized
  // one is answered 413 (the client sends fewer actions) rather than cutting the socket.
  wss.options.maxPayload = Math.max(MIN_FRAME_BYTES, options.bodyLimit + 1024);
  let shuttingDown = false;

  // Sockets that answered the last ping (or are new).
  const alive = new WeakSet<WebSocket>();
  const pinger = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, options.pingIntervalMs);
  pinger.unref();

  app.get(
    options.path,
    options.upgradeWebSocket((c) => {
      let session: ReturnType<typeof createSocketSession> | null = null;
      let helloTimer: ReturnType<typeof setTimeout> | undefined;
      return {
        onOpen(_event, ws) {
          const raw = ws.raw as WebSocket;
          if (shuttingDown) return ws.close(SocketClose.goingAway, 'server shutting down');
          alive.add(raw);
          raw.on('pong', () => alive.add(raw));
          session = createSocketSession({
            store: options.store,
            hub: options.hub,
            authenticate: options.authenticate,
            canRead: options.canRead,
            logger,
            request: c.req.raw,
            committed: options.committed,
            bodyLimit: options.bodyLimit,
            // A Buffer is UTF-8 text (a shared poke): sent as a text frame, which the socket
            // library would otherwise send as binary.
            send: (data) => (typeof data === 'string' ? ws.send(data) : raw.send(data, { binary: false })),
            close: (code, reason) => ws.close(code, reason),
          });
          const s = session;
          helloTimer = setTimeout(() => s.expireHello(options.helloTimeoutMs), options.helloTimeoutMs);
          helloTimer.unref();
        },
        onMessage(event) {
          clearTimeout(helloTimer);
          session?.receive(event.data);
        },
        onClose() {
          clearTimeout(helloTimer);
          session?.closed();
        },
        onError(event) {
          logger.error('sync socket error:', (event as ErrorEvent).error ?? event);
        },
      };
    }, {
      // What our handlers above throw (the library catches it): the logger, not console.error.
      onError: (error) => logger.error('sync socket handler failed:', error),
    }),
  );

  return {
    async close() {
      shuttingDown = true;
      clearInterval(pinger);
      const open = [...wss.clients];
      await Promise.all(
        open.map(
          (socket) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === socket.CLOSED) return resolve();
              const cutOff = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
              socket.once('close', () => {
                clearTimeout(cutOff);
                resolve();
              });
              socket.close(SocketClose.goingAway, 'server shutting down');
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
