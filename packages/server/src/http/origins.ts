/**
 * Cross-origin access to the sync endpoints. By default the server is same-origin only: no CORS
 * headers, so a browser page on another origin cannot read its answers, and a preflight (OPTIONS)
 * falls through to the 405 of the sync namespace.
 *
 * With `cors: { origins }` the listed origins (or any, `'*'`) get CORS: a preflight is answered
 * 204 with the Access-Control-* headers, and every other answer under the sync base carries
 * `Access-Control-Allow-Origin`. A preflight from any other origin is a 403 JSON error; its other
 * requests get no CORS headers (the browser then withholds the answer).
 *
 * WebSockets are not covered by CORS: a browser opens a socket to any origin and sends the user's
 * cookies with it. So an upgrade whose `Origin` is neither this server's own (its `Host`) nor an
 * allowed one is refused with a 403 before upgrading. Clients that send no `Origin` (not a
 * browser) are let through: they authenticate with a token, which another site cannot read.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context, MiddlewareHandler } from 'hono';
import { ErrorKind } from '@tandem/core';

export interface CorsOptions {
  /**
   * Origins (`https://app.example.com`: scheme, host, port) allowed to call the sync endpoints and
   * open its socket from a browser, or `'*'` for any (then `credentials` must be false).
   */
  origins: readonly string[] | '*';
  /** Allow cookies and HTTP auth on cross-origin requests (`Access-Control-Allow-Credentials`). Default false. */
  credentials?: boolean;
  /** How long a browser may cache a preflight answer, in seconds (default 600). */
  maxAge?: number;
}

/** Headers a cross-origin request may send when the preflight does not name any. */
const DEFAULT_ALLOW_HEADERS = 'Authorization, Content-Type';

export interface OriginPolicy {
  /** For `{base}/*`: answers preflights, adds CORS headers to answers for allowed origins. */
  cors: MiddlewareHandler | null;
  /** Why a WebSocket upgrade with these headers is refused (its `Origin` is foreign and not allowed), or null. */
  socketRefusal(origin: string | undefined, host: string | undefined): string | null;
}

function normalize(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`cors.origins: ${JSON.stringify(origin)} is not an origin; write it as scheme://host[:port], e.g. "https://app.example.com".`);
  }
  if (url.origin === 'null' || url.pathname.replace(/\/$/, '') !== '' || url.search || url.hash || url.username) {
    throw new Error(`cors.origins: ${JSON.stringify(origin)} is not an origin; write it as scheme://host[:port], e.g. "https://app.example.com".`);
  }
  return url.origin;
}

const refuse = (c: Context, message: string) => c.json({ kind: ErrorKind.forbidden, message }, 403, { Vary: 'Origin' });

export function createOriginPolicy(options: CorsOptions | undefined, methods: readonly string[]): OriginPolicy {
  const any = options?.origins === '*';
  if (options && any && options.credentials) {
    throw new Error("cors: origins '*' with credentials would let every site act as the signed-in user; list the origins instead.");
  }
  const listed = new Set(options && !any ? (options.origins as readonly string[]).map(normalize) : []);
  const allowed = (origin: string) => any || listed.has(origin);

  /** The page's origin is this server's own: same host (and port) as the request was sent to. */
  const own = (origin: string, host: string | undefined) => {
    if (!host) return false;
    try {
      return new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  };

  const socketRefusal = (origin: string | undefined, host: string | undefined) =>
    origin === undefined || own(origin, host) || allowed(origin)
      ? null
      : `A socket from origin ${origin} is not allowed: this server accepts its own origin and those in its cors.origins.`;

  if (!options) return { cors: null, socketRefusal };

  const credentials = options.credentials === true;
  const maxAge = String(options.maxAge ?? 600);
  const allowMethods = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : [])])].join(', ');
  const cors: MiddlewareHandler = async (c, next) => {
    const origin = c.req.header('Origin');
    const preflight = c.req.method === 'OPTIONS' && c.req.header('Access-Control-Request-Method') !== undefined;
    if (origin === undefined) return next();
    const ok = allowed(origin);
    if (preflight) {
      if (!ok) return refuse(c, `Origin ${origin} is not allowed to call this sync server: list it in the server's cors.origins.`);
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': any ? '*' : origin,
        'Access-Control-Allow-Methods': allowMethods,
        'Access-Control-Allow-Headers': c.req.header('Access-Control-Request-Headers') ?? DEFAULT_ALLOW_HEADERS,
        'Access-Control-Max-Age': maxAge,
        ...(credentials && { 'Access-Control-Allow-Credentials': 'true' }),
        Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      });
    }
    await next();
    // A WebSocket upgrade's answer is not a fetch response: leave it alone.
    if (c.res.status === 101 || c.req.header('Upgrade')?.toLowerCase() === 'websocket') return;
    c.res.headers.append('Vary', 'Origin');
    if (!ok) return;
    c.res.headers.set('Access-Control-Allow-Origin', any ? '*' : origin);
    if (credentials) c.res.headers.set('Access-Control-Allow-Credentials', 'true');
  };
  return { cors, socketRefusal };
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Runs `refusal` on every upgrade before `inject`'s own listener (the socket library's), answering a
 * refused one 403 with the JSON error shape itself: the library would send the status without a body.
 */
export function guardUpgrades(
  server: { on(event: 'upgrade', listener: UpgradeListener): unknown },
  inject: (server: { on(event: 'upgrade', listener: UpgradeListener): unknown }) => void,
  refusal: (origin: string | undefined, host: string | undefined) => string | null,
): void {
  const listeners: UpgradeListener[] = [];
  inject({ on: (_event: 'upgrade', listener: UpgradeListener) => listeners.push(listener) });
  server.on('upgrade', (request, socket, head) => {
    const why = refusal(request.headers.origin, request.headers.host);
    if (why === null) {
      for (const listener of listeners) listener(request, socket, head);
      return;
    }
    const body = JSON.stringify({ kind: ErrorKind.forbidden, message: why });
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\nVary: Origin\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}
