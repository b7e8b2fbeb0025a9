/**
 * One sync socket's conversation, independent of the WebSocket library: `hello` (token + channels)
 * → `ready`; then `poke`s for other clients' commits on the subscribed channels, with the commit's
 * changes in those channels when the store handed them over; `channels` replaces the
 * subscription and is answered with `ready` again (the subscription is live as of that version).
 * Anything wrong → `{type:'error'}` and close with 4400 (malformed), 4401 (credentials), 4403
 * (channel not readable) or 4409 (hello's schema version is not the server's: pokes carry rows of
 * the server's schema, so only a client at it may subscribe; an older one still pushes over HTTP);
 * the subscription is not changed by a refused message.
 *
 * Once ready, `push` and `pull` requests run exactly as their HTTP routes do (credentials checked
 * again per request with hello's token, the read rule per pull) and are answered by id; a refused
 * or failed request is answered `failed` and leaves the socket open.
 */
import { ErrorKind, parseClientSocketMessage, parsePullRequest, parsePushRequest, pokeFrame, pushedFrame, toErrorData } from '@tandem/core';
import type { Change, ClientSocketMessage, ServerSocketMessage, SocketRequest } from '@tandem/core';
import type { PokeHub, PokeSubscription } from '../realtime/poke-hub.ts';
import type { AuthUser, CommitInfo, SyncStore } from '../sync/sync-store.ts';
import { checkReadVersion } from '../sync/versions.ts';
import { assertCanRead, authenticateToken } from './auth.ts';
import type { Authenticate, CanRead } from './auth.ts';
import { describeError, invalidRequest, tooLarge } from './errors.ts';
import type { Logger } from './errors.ts';

export const SocketClose = {
  normal: 1000,
  goingAway: 1001,
  internal: 1011,
  invalid: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  /** Client and server schema versions differ (`update_required` or `server_outdated`): use HTTP. */
  version: 4409,
} as const;

export interface SocketSessionOptions {
  store: SyncStore;
  /** Null when realtime is off: the socket still says `ready` but never pokes. */
  hub: PokeHub | null;
  authenticate: Authenticate;
  canRead: CanRead;
  logger: Logger;
  /** The upgrade request, handed to `authenticate` (cookies, headers). */
  request: Request;
  /** Called after every commit a push over this socket produced (pokes). */
  committed(commit: CommitInfo): void;
  /** A push or pull message larger than this (bytes) is refused like an HTTP body over the limit. */
  bodyLimit: number;
  /**
   * Sends one message, already serialised to JSON, as a text frame. A Buffer is that text already
   * UTF-8 encoded: a poke shared by many sockets is encoded once, not once per socket.
   */
  send(text: string | Buffer): void;
  close(code: number, reason: string): void;
}

export interface SocketSession {
  /** Text frames as strings; binary frames as anything else (refused). */
  receive(data: unknown): void;
  /** Closes the socket (4400) if no message has arrived yet: a peer must say `hello` promptly. */
  expireHello(afterMs: number): void;
  /** The peer went away: drop the subscription. */
  closed(): void;
}

const closeFor: Record<string, [number, string]> = {
  [ErrorKind.invalidRequest]: [SocketClose.invalid, 'invalid message'],
  [ErrorKind.unauthorized]: [SocketClose.unauthorized, 'unauthorized'],
  [ErrorKind.forbidden]: [SocketClose.forbidden, 'forbidden'],
  [ErrorKind.updateRequired]: [SocketClose.version, 'update required'],
  [ErrorKind.serverOutdated]: [SocketClose.version, 'server outdated'],
};

/**
 * A commit's changes parsed, once per commit, for the sockets that follow only some of its
 * channels (those get the changes in their channels). A socket following all of them (always the
 * case for a commit of one channel) gets Postgres' text spliced in as is.
 */
const parsedChanges = new WeakMap<CommitInfo, Change[]>();
/** The poke with all of a commit's changes, encoded once for every socket that gets it whole. */
const fullPokes = new WeakMap<CommitInfo, Buffer>();

function pokeText(version: number, commit: CommitInfo | undefined, channels: ReadonlySet<string>): string | Buffer {
  const json = commit?.changesJson;
  if (json === undefined || commit!.channels.length === 0) return pokeFrame(version);
  if (commit!.channels.every((c) => channels.has(c))) {
    let frame = fullPokes.get(commit!);
    if (frame === undefined) fullPokes.set(commit!, (frame = Buffer.from(pokeFrame(version, json))));
    return frame;
  }
  let all = parsedChanges.get(commit!);
  if (all === undefined) parsedChanges.set(commit!, (all = JSON.parse(json) as Change[]));
  const changes = all.filter((c) => channels.has(c.channel));
  return changes.length > 0 ? pokeFrame(version, JSON.stringify(changes)) : pokeFrame(version);
}

export function createSocketSession(options: SocketSessionOptions): SocketSession {
  const { store, hub, authenticate, canRead, logger, request } = options;
  let phase: 'hello' | 'ready' | 'closed' = 'hello';
  let user: AuthUser | null = null;
  let subscription: PokeSubscription | null = null;
  let clientId = '';
  let token: string | null = null;
  /** Hello's schema version (absent = 0). */
  let schemaVersion = 0;
  /** The subscribed channels, as checked by the read rule: a poke's changes are cut to them. */
  let channels: ReadonlySet<string> = new Set();
  // A poke that arrives between subscribing and sending `ready` is held, so `ready` always comes first.
  let heldPoke = 0;
  // Messages are handled one at a time, in order, although auth and checks are async.
  let queue: Promise<void> = Promise.resolve();
  let received = false;

  function poke(version: number, commit?: CommitInfo): void {
    // The pushing client learns of its own commit from the push's answer (or pulls after it): a
    // poke would only make it pull twice.
    if (commit && commit.clientId === clientId) return;
    if (phase === 'hello') heldPoke = Math.max(heldPoke, version);
    if (phase !== 'ready') return;
    options.send(pokeText(version, commit, channels));
  }

  function send(message: ServerSocketMessage): void {
    options.send(JSON.stringify(message));
  }

  function end(): void {
    phase = 'closed';
    subscription?.close();
    subscription = null;
  }

  function fail(error: unknown): void {
    if (phase === 'closed') return;
    const { body } = describeError(error, logger, 'sync socket');
    const [code, reason] = closeFor[body.kind] ?? [SocketClose.internal, 'internal error'];
    end();
    send({ type: 'error', error: toErrorData(body) });
    options.close(code, reason);
  }

  function parse(data: unknown): ClientSocketMessage {
    if (typeof data !== 'string') throw invalidRequest('Socket messages must be JSON text frames, not binary.');
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch (e) {
      throw invalidRequest(`The socket message is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
    }
    return parseClientSocketMessage(value);
  }

  async function handle(data: unknown): Promise<void> {
    if (phase === 'closed') return;
    const message = parse(data);
    if (phase === 'hello') {
      if (message.type !== 'hello') throw invalidRequest('The first socket message must be "hello" with your token and channels.');
      const authed = await authenticateToken(authenticate, message.token ?? null, request);
      checkReadVersion(message.schemaVersion ?? 0, store.schemaVersion);
      await assertCanRead(canRead, authed, message.channels);
      if (phase !== 'hello') return; // the peer left while we were checking
      user = authed;
      clientId = message.clientId;
      schemaVersion = message.schemaVersion ?? 0;
      token = message.token ?? null;
      channels = new Set(message.channels);
      subscription = hub?.subscribe(message.channels, poke) ?? null;
      const version = await store.head();
      if (phase !== 'hello') return;
      phase = 'ready';
      send({ type: 'ready', version });
      if (heldPoke > version) send({ type: 'poke', version: heldPoke });
      return;
    }
    if (message.type === 'hello') throw invalidRequest('"hello" was already received: send "channels" to change the subscription.');
    if (message.type === 'push' || message.type === 'pull') return answer(message, Buffer.byteLength(data as string));
    await assertCanRead(canRead, user as AuthUser, message.channels);
    if (phase !== 'ready') return;
    channels = new Set(message.channels);
    subscription?.setChannels(message.channels);
    const version = await store.head();
    if (phase === 'ready') send({ type: 'ready', version });
  }

  async function answer(message: SocketRequest, bytes: number): Promise<void> {
    let text: string;
    try {
      if (bytes > options.bodyLimit) throw tooLarge(`The ${message.type} message is ${bytes} bytes; the limit is ${options.bodyLimit}. Send fewer actions at a time.`);
      // As per HTTP request: a token that expired or was revoked since hello stops working here too.
      const requester = await authenticateToken(authenticate, token, request);
      if (message.type === 'push') {
        const push = parsePushRequest({ clientId, actions: message.actions });
        const { response, commit } = await store.push(push.clientId, requester, push.actions, schemaVersion);
        if (commit) options.committed(commit);
        // The commit's changes, as its peers get them in their pokes, when every one lies in a
        // channel this socket may read: the client confirms its actions with them, without a pull.
        // (The changes lie in exactly the commit's channels.)
        const json = commit?.changesJson;
        // Not to a client of an older schema: the rows would not fit its tables.
        const fits = json !== undefined && schemaVersion === store.schemaVersion && commit!.channels.every((c) => channels.has(c));
        text = pushedFrame(message.id, response, fits ? json : undefined);
      } else {
        const { type: _, id: __, ...body } = message;
        // Hello's version, as the client id: the socket speaks for one client of one version.
        const pull = parsePullRequest({ ...body, clientId, schemaVersion });
        await assertCanRead(canRead, requester, pull.channels.map((c) => c.channel));
        text = JSON.stringify({ type: 'pulled', id: message.id, response: await store.pull(pull, requester) } satisfies ServerSocketMessage);
      }
    } catch (error) {
      const { status, body } = describeError(error, logger, `sync socket ${message.type}`);
      text = JSON.stringify({ type: 'failed', id: message.id, status, error: body } satisfies ServerSocketMessage);
    }
    if (phase === 'ready') options.send(text);
  }

  return {
    receive(data) {
      received = true;
      queue = queue.then(() => handle(data)).catch(fail);
    },
    expireHello(afterMs) {
      if (!received && phase === 'hello') fail(invalidRequest(`No "hello" arrived within ${afterMs} ms of connecting.`));
    },
    closed: end,
  };
}
