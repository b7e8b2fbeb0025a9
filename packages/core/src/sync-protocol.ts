/**
 * The worker ↔ server sync protocol (HTTP push/pull + a WebSocket for pokes). Both ends validate
 * with the `parse*` functions here: the other end is another program and may send anything.
 *
 * - **Push** `POST {base}/push` `PushRequest` → `PushResponse`. The server runs the actions with
 *   `seq` above the client's last processed seq, in order, in one transaction; a repeated push is a
 *   no-op. Rejected actions are recorded and reported, never retried.
 * - **Pull** `POST {base}/pull` `PullRequest` → `PullResponse`. Changes after each channel's cursor,
 *   in commit order, up to `version` (gap-free). A channel whose cursor is 0 or older than the
 *   server's retained history gets a `snapshot` of its rows instead (initial sync and reset).
 * - **Socket** `GET {base}/ws`: the client sends `hello` (token + channels), the server answers
 *   `ready` and then `poke`s whenever another client's commit touches one of those channels. A poke
 *   of a small commit carries its changes in those channels: a client whose cursor for each of them
 *   is `version - 1` applies them without pulling (nothing can lie between two consecutive
 *   versions); any other client pulls.
 *   Once `ready`, the socket also carries push and pull: `{type:'push', id, actions}` and
 *   `{type:'pull', id, channels, pendingFrom?}` (the client id is hello's) are answered with
 *   `{type:'pushed'|'pulled', id, response}` or `{type:'failed', id, status, error}`, the same
 *   bodies and statuses as HTTP, without a request's cost. HTTP stays for when there is no socket.
 *   A push answered over the socket also carries its commit's changes (as a poke would) when they
 *   are few and all in subscribed channels: a client at `version - 1` confirms with them, no pull.
 *
 * Requests carry `Authorization: Bearer <token>` (the socket carries it in `hello`, since browsers
 * cannot set headers on a WebSocket). Errors are `{kind, message, details}` with a 4xx/5xx status.
 */
import { ErrorKind, TandemError } from './errors.ts';
import type { TandemErrorData } from './errors.ts';
import { ACTION_ARGS_MAX_BYTES } from './json-size.ts';
import { findNonJson, JSON_MAX_DEPTH } from './json-value.ts';
import type { JsonValue } from './json-value.ts';
import type { PatchOp } from './patch.ts';
import { unprintableText } from './text.ts';

export const SYNC_LIMITS = {
  /** Actions per push request. */
  pushActions: 1000,
  /** Channels per pull request or socket hello. */
  channels: 1000,
  channelLength: 200,
  idLength: 200,
  actionNameLength: 64,
  /** Socket `hello` token, characters. */
  tokenLength: 10_000,
  /** Nesting of action args (arrays and objects), the limit of {@link findNonJson}. */
  jsonDepth: JSON_MAX_DEPTH,
  /** Serialised request body size, bytes. */
  body: 4 * 1024 * 1024,
  /** One action's args as JSON, bytes: well below `body`, so every action fits in some push. */
  actionArgs: ACTION_ARGS_MAX_BYTES,
  /** Changes per pull response; `more: true` asks the client to pull again. */
  pullChanges: 10_000,
  /** Changes a poke may carry; a larger commit is announced without them (clients pull). */
  pokeChanges: 1_000,
} as const;

export interface PushAction {
  /** `${clientId}-${seq}` */
  id: string;
  seq: number;
  name: string;
  args: JsonValue;
  /** ctx.time of the invocation (ms since epoch). */
  time: number;
}

export interface PushRequest {
  clientId: string;
  actions: PushAction[];
  /**
   * The client's schema version (its number of migrations); omitted by clients older than
   * versioning, read as 0. The server runs a push from an older client with its current code,
   * upgrading each action's args (`upgrade`); it refuses one from a newer client (`server_outdated`).
   */
  schemaVersion?: number;
}

/** A pending action as the app sees it (`db.sync.pending()`): not yet settled by the server. */
export interface PendingActionInfo {
  id: string;
  name: string;
  args: JsonValue;
  /** ctx.time of the invocation (ms since epoch). */
  time: number;
}

export interface Rejection {
  id: string;
  seq: number;
  name: string;
  error: TandemErrorData;
  /** The action's args, when the worker has them (its own verdicts, and the server's it kept). */
  args?: JsonValue;
}

export interface PushResponse {
  /** Highest seq of this client the server has processed (applied or rejected). */
  lastSeq: number;
  /** This client's rejections with seq ≥ the request's lowest seq (including earlier pushes of them). */
  rejected: Rejection[];
  /** The commit version of this push (or the head when nothing new ran). */
  version: number;
  /**
   * Over the socket only: this commit's changes, when it has few enough of them (the server's
   * `commitChanges`) and all lie in channels the socket subscribed. A client whose cursor for each
   * touched channel is `version - 1` confirms its actions with them instead of pulling.
   */
  changes?: Change[];
}

export interface ChannelCursor {
  channel: string;
  /** Version the client has applied for this channel; 0 = never synced (a snapshot follows). */
  cursor: number;
}

export interface PullRequest {
  clientId: string;
  channels: ChannelCursor[];
  /** Lowest seq still pending on the client (rejections at or above it are reported); omit when none. */
  pendingFrom?: number;
  /** As in {@link PushRequest}: the server answers only a client of its own schema version (else `update_required` or `server_outdated`). */
  schemaVersion?: number;
}

/** One row change in the server's change log, in commit order. */
export interface Change {
  version: number;
  /** The action that caused it (client or server invoked). */
  actionId: string;
  channel: string;
  table: string;
  rowId: string;
  op: PatchOp;
  /** The full new row for insert/update; null for delete. */
  row: { [column: string]: JsonValue } | null;
}

export interface ChannelSnapshot {
  channel: string;
  /** Every row of the channel, per table, as of the response's `version`. */
  tables: { [table: string]: { [column: string]: JsonValue }[] };
}

export interface PullResponse {
  /** Every requested channel is now at this version (unless `more`). */
  version: number;
  /** Changes after each channel's cursor up to `version`, ordered by (version, capture order). */
  changes: Change[];
  /** Channels that were reset (cursor 0 or too old): replace their rows with these. */
  snapshots: ChannelSnapshot[];
  /** This client's last processed seq, as of `version`. */
  lastSeq: number;
  /** This client's rejections with seq ≥ `pendingFrom`. */
  rejected: Rejection[];
  /** True when `changes` was cut at the limit: pull again from `version`. */
  more: boolean;
}

export type ClientSocketMessage =
  | { type: 'hello'; token?: string; clientId: string; channels: string[]; schemaVersion?: number }
  | { type: 'channels'; channels: string[] }
  /** `actions` is checked as a {@link PushRequest}'s by the server (it knows hello's client id). */
  | { type: 'push'; id: number; actions: unknown[] }
  | { type: 'pull'; id: number; channels: unknown[]; pendingFrom?: unknown };

/** A request over the socket: its answer carries the same `id`. */
export type SocketRequest = Extract<ClientSocketMessage, { type: 'push' | 'pull' }>;

export type ServerSocketMessage =
  | { type: 'ready'; version: number }
  /**
   * Commit `version` touched the socket's channels. `changes`, when present, are ALL of that
   * commit's changes in the channels the socket follows (never the receiving client's own commit).
   */
  | { type: 'poke'; version: number; changes?: Change[] }
  | { type: 'pushed'; id: number; response: PushResponse }
  | { type: 'pulled'; id: number; response: PullResponse }
  /** The request was refused or failed; the socket stays open. `status` is what HTTP would answer. */
  | { type: 'failed'; id: number; status: number; error: TandemErrorData }
  /** The socket is closed right after (a bad hello, credentials, a malformed message). */
  | { type: 'error'; error: TandemErrorData };

// ---------------------------------------------------------------------------------------------
// Validation

function bad(message: string, details?: unknown): never {
  throw new TandemError(ErrorKind.invalidRequest, message, details);
}

/**
 * Runs a check of one action's own content (name, args, time): its refusal names the action's index
 * in `details.action`, so a client can give up on that action alone rather than retry the outbox
 * behind it forever (see `refusedAction`). Faults of the request's frame (ids, seqs) name none.
 */
function actionContent<T>(index: number, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof TandemError) throw new TandemError(error.kind, error.message, { action: index });
    throw error;
  }
}

/**
 * The index of the action a push's refusal blames, from the server's `{kind, details}` (as the
 * client's transport wraps it: `details.details.action`), or null when it blames the request.
 */
export function refusedAction(error: { kind: string; details?: unknown }): number | null {
  if (error.kind !== ErrorKind.invalidRequest) return null;
  const details = error.details as { action?: unknown; details?: { action?: unknown } } | undefined;
  const index = details?.details?.action ?? details?.action;
  return typeof index === 'number' && Number.isSafeInteger(index) && index >= 0 ? index : null;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`${what} must be a JSON object.`);
  return value as Record<string, unknown>;
}

function unknownKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length === 0) return;
  // Named, but a few and short: the message must not grow with what a hostile peer sent.
  const named = extra.slice(0, 5).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  bad(`${what} has unknown field(s) ${named.join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}; allowed: ${allowed.join(', ')}.`);
}

/**
 * A name or a token: a string of 1-`max` characters without control characters or lone surrogates
 * (Postgres cannot store U+0000 in text nor a lone surrogate in jsonb, and a rejection stores the
 * action's name in both; nothing legitimate needs a control character in a name).
 */
function printable(value: unknown, where: string, what: string, max: number, min = 1): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) bad(`${where} must be ${what} of ${min}-${max} characters.`);
  const why = unprintableText(value);
  if (why) bad(`${where} ${why}: ${what} may not hold control characters or invalid Unicode.`);
  return value;
}

const idPattern = /^[\w.:-]+$/;

export function parseClientId(value: unknown, where = 'clientId'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > SYNC_LIMITS.idLength || !idPattern.test(value)) {
    bad(`${where} must be 1-${SYNC_LIMITS.idLength} characters of letters, digits, _ . : -`);
  }
  return value;
}

function seqOf(value: unknown, where: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) bad(`${where} must be an integer ≥ ${min}.`);
  return value;
}

export function parseChannel(value: unknown, where = 'channel'): string {
  return printable(value, where, 'a channel name', SYNC_LIMITS.channelLength);
}

export function parseChannels(value: unknown, where = 'channels'): string[] {
  if (!Array.isArray(value)) bad(`${where} must be an array of channel names.`);
  if (value.length > SYNC_LIMITS.channels) bad(`${where} has ${value.length} entries; the limit is ${SYNC_LIMITS.channels}.`);
  const out = value.map((c, i) => parseChannel(c, `${where}[${i}]`));
  return [...new Set(out)];
}

export function parsePushRequest(value: unknown): PushRequest {
  const o = object(value, 'push request');
  unknownKeys(o, ['clientId', 'actions', 'schemaVersion'], 'push request');
  const clientId = parseClientId(o.clientId);
  if (!Array.isArray(o.actions)) bad('push request: actions must be an array.');
  if (o.actions.length > SYNC_LIMITS.pushActions) bad(`push request has ${o.actions.length} actions; the limit is ${SYNC_LIMITS.pushActions} per request.`);
  let prev = 0;
  const actions = o.actions.map((raw, i): PushAction => {
    const where = `actions[${i}]`;
    const a = object(raw, where);
    unknownKeys(a, ['id', 'seq', 'name', 'args', 'time'], where);
    const seq = seqOf(a.seq, `${where}.seq`);
    if (seq <= prev) bad(`${where}.seq ${seq} is not above the previous action's ${prev}: push actions in seq order.`);
    prev = seq;
    if (a.id !== `${clientId}-${seq}`) bad(`${where}.id must be "${clientId}-${seq}" (clientId-seq).`);
    const name = actionContent(i, () => printable(a.name, `${where}.name`, 'an action name', SYNC_LIMITS.actionNameLength));
    // Also bounds the nesting (SYNC_LIMITS.jsonDepth), in one pass without recursion.
    const nonJson = findNonJson(a.args);
    if (nonJson || a.args === undefined) bad(`${where}.args must be JSON${nonJson ? ` (${nonJson.path.join('.') || '(root)'}: ${nonJson.reason})` : ''}.`, { action: i });
    // A safe integer, as Date.now() gives: the store keeps it as a bigint, so 1e308 or 1.5 would
    // fail there and become a rejection (and a commit) instead of a refused request.
    if (typeof a.time !== 'number' || !Number.isSafeInteger(a.time)) bad(`${where}.time must be an integer number of ms since the epoch.`, { action: i });
    return { id: a.id as string, seq, name, args: a.args as JsonValue, time: a.time };
  });
  const out: PushRequest = { clientId, actions };
  if (o.schemaVersion !== undefined) out.schemaVersion = seqOf(o.schemaVersion, 'schemaVersion', 0);
  return out;
}

export function parsePullRequest(value: unknown): PullRequest {
  const o = object(value, 'pull request');
  unknownKeys(o, ['clientId', 'channels', 'pendingFrom', 'schemaVersion'], 'pull request');
  const clientId = parseClientId(o.clientId);
  if (!Array.isArray(o.channels)) bad('pull request: channels must be an array of { channel, cursor }.');
  if (o.channels.length > SYNC_LIMITS.channels) bad(`pull request has ${o.channels.length} channels; the limit is ${SYNC_LIMITS.channels}.`);
  const seen = new Set<string>();
  const channels = o.channels.map((raw, i): ChannelCursor => {
    const where = `channels[${i}]`;
    const c = object(raw, where);
    unknownKeys(c, ['channel', 'cursor'], where);
    const channel = parseChannel(c.channel, `${where}.channel`);
    if (seen.has(channel)) bad(`${where}: channel ${JSON.stringify(channel)} is listed twice.`);
    seen.add(channel);
    return { channel, cursor: seqOf(c.cursor, `${where}.cursor`, 0) };
  });
  const out: PullRequest = { clientId, channels };
  if (o.pendingFrom !== undefined) out.pendingFrom = seqOf(o.pendingFrom, 'pendingFrom');
  if (o.schemaVersion !== undefined) out.schemaVersion = seqOf(o.schemaVersion, 'schemaVersion', 0);
  return out;
}

export function parseClientSocketMessage(value: unknown): ClientSocketMessage {
  const o = object(value, 'socket message');
  if (o.type === 'hello') {
    unknownKeys(o, ['type', 'token', 'clientId', 'channels', 'schemaVersion'], 'hello');
    // The token goes to the app's `authenticate`, which may well look it up in Postgres.
    const token = o.token === undefined ? undefined : printable(o.token, 'hello.token', 'a token', SYNC_LIMITS.tokenLength, 0);
    const msg: ClientSocketMessage = { type: 'hello', clientId: parseClientId(o.clientId, 'hello.clientId'), channels: parseChannels(o.channels, 'hello.channels') };
    if (token !== undefined) msg.token = token;
    if (o.schemaVersion !== undefined) msg.schemaVersion = seqOf(o.schemaVersion, 'hello.schemaVersion', 0);
    return msg;
  }
  if (o.type === 'channels') {
    unknownKeys(o, ['type', 'channels'], 'channels message');
    return { type: 'channels', channels: parseChannels(o.channels) };
  }
  if (o.type === 'push') {
    unknownKeys(o, ['type', 'id', 'actions'], 'push message');
    if (!Array.isArray(o.actions)) bad('push message: actions must be an array.');
    return { type: 'push', id: seqOf(o.id, 'push message id'), actions: o.actions };
  }
  if (o.type === 'pull') {
    unknownKeys(o, ['type', 'id', 'channels', 'pendingFrom'], 'pull message');
    if (!Array.isArray(o.channels)) bad('pull message: channels must be an array of { channel, cursor }.');
    const msg: ClientSocketMessage = { type: 'pull', id: seqOf(o.id, 'pull message id'), channels: o.channels };
    if (o.pendingFrom !== undefined) msg.pendingFrom = o.pendingFrom;
    return msg;
  }
  return bad(`socket message type ${JSON.stringify(o.type)} is unknown; send "hello" first, then "channels", "push" or "pull".`);
}

// Responses are validated by the worker too (a proxy or an old server may answer anything).

function errorOf(raw: unknown, where: string): TandemErrorData {
  const e = object(raw, where);
  if (typeof e.kind !== 'string' || typeof e.message !== 'string') bad(`${where} must be { kind, message }.`);
  const error: TandemErrorData = { kind: e.kind as TandemErrorData['kind'], message: e.message };
  if (e.details !== undefined) error.details = e.details;
  return error;
}

function rejectionOf(raw: unknown, where: string): Rejection {
  const r = object(raw, where);
  if (typeof r.id !== 'string' || typeof r.name !== 'string') bad(`${where} must be { id, seq, name, error }.`);
  const rejection: Rejection = { id: r.id, seq: seqOf(r.seq, `${where}.seq`), name: r.name, error: errorOf(r.error, `${where}.error`) };
  if (r.args !== undefined && !findNonJson(r.args)) rejection.args = r.args as JsonValue;
  return rejection;
}

export function parsePushResponse(value: unknown): PushResponse {
  const o = object(value, 'push response');
  if (!Array.isArray(o.rejected)) bad('push response: rejected must be an array.');
  const response: PushResponse = {
    lastSeq: seqOf(o.lastSeq, 'push response lastSeq', 0),
    version: seqOf(o.version, 'push response version', 0),
    rejected: o.rejected.map((r, i) => rejectionOf(r, `rejected[${i}]`)),
  };
  if (o.changes !== undefined) response.changes = commitChanges(o.changes, response.version, 'push response', 0);
  return response;
}

/** A commit's changes as a poke or push response carries them: all of commit `version`. */
function commitChanges(value: unknown, version: number, what: string, min: number): Change[] {
  if (!Array.isArray(value) || value.length < min || value.length > SYNC_LIMITS.pokeChanges) {
    bad(`${what}.changes must be an array of ${min}-${SYNC_LIMITS.pokeChanges} changes.`);
  }
  const changes = value.map((raw, i) => changeOf(raw, `changes[${i}]`, what));
  const other = changes.find((c) => c.version !== version);
  if (other) bad(`${what} changes must all belong to commit ${version}; one has version ${other.version}.`);
  return changes;
}

const ops = new Set(['insert', 'update', 'delete']);

function changeOf(raw: unknown, where: string, what: string): Change {
  const c = raw as Record<string, unknown>;
  if (
    typeof c !== 'object' || c === null ||
    typeof c.table !== 'string' || typeof c.rowId !== 'string' || typeof c.channel !== 'string' || typeof c.actionId !== 'string' ||
    !ops.has(c.op as string) || (c.op === 'delete' ? c.row !== null : typeof c.row !== 'object' || c.row === null || Array.isArray(c.row))
  ) {
    bad(`${what} ${where} is malformed.`);
  }
  return { version: seqOf(c.version, `${where}.version`), actionId: c.actionId, channel: c.channel, table: c.table, rowId: c.rowId, op: c.op as PatchOp, row: c.row as Change['row'] };
}

export function parsePullResponse(value: unknown): PullResponse {
  const o = object(value, 'pull response');
  if (!Array.isArray(o.changes) || !Array.isArray(o.snapshots) || !Array.isArray(o.rejected)) bad('pull response must have changes, snapshots and rejected arrays.');
  const changes = o.changes.map((raw, i) => changeOf(raw, `changes[${i}]`, 'pull response'));
  const snapshots = o.snapshots.map((raw, i): ChannelSnapshot => {
    const s = object(raw, `snapshots[${i}]`);
    const tables = object(s.tables, `snapshots[${i}].tables`);
    for (const [t, rows] of Object.entries(tables)) if (!Array.isArray(rows)) bad(`snapshots[${i}].tables.${t} must be an array of rows.`);
    return { channel: parseChannel(s.channel), tables: tables as ChannelSnapshot['tables'] };
  });
  return {
    version: seqOf(o.version, 'pull response version', 0),
    changes,
    snapshots,
    lastSeq: seqOf(o.lastSeq, 'pull response lastSeq', 0),
    rejected: o.rejected.map((r, i) => rejectionOf(r, `rejected[${i}]`)),
    more: o.more === true,
  };
}

export function parseServerSocketMessage(value: unknown): ServerSocketMessage {
  const o = object(value, 'server socket message');
  if (o.type === 'ready') return { type: o.type, version: seqOf(o.version, 'ready.version', 0) };
  if (o.type === 'poke') {
    const version = seqOf(o.version, 'poke.version', 0);
    if (o.changes === undefined) return { type: 'poke', version };
    return { type: 'poke', version, changes: commitChanges(o.changes, version, 'poke', 1) };
  }
  if (o.type === 'error') return { type: 'error', error: errorOf(o.error, 'error') };
  if (o.type === 'pushed') return { type: 'pushed', id: seqOf(o.id, 'pushed.id'), response: parsePushResponse(o.response) };
  if (o.type === 'pulled') return { type: 'pulled', id: seqOf(o.id, 'pulled.id'), response: parsePullResponse(o.response) };
  if (o.type === 'failed') {
    const status = seqOf(o.status, 'failed.status', 400);
    return { type: 'failed', id: seqOf(o.id, 'failed.id'), status, error: errorOf(o.error, 'failed.error') };
  }
  return bad(`server socket message type ${JSON.stringify(o.type)} is unknown.`);
}
