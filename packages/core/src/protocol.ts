/**
 * Every message that crosses the tab ↔ worker boundary. The worker validates what it receives with
 * the `parse*` functions here: a tab is another program and may send anything.
 */
import { ErrorKind, TandemError } from './errors.ts';
import type { TandemErrorData } from './errors.ts';
import type { Row } from './patch.ts';
import type { RowDiff } from './row-diff.ts';
import type { PendingActionInfo, Rejection } from './sync-protocol.ts';
import { parseChannels } from './sync-protocol.ts';
import { unprintableText } from './text.ts';

/** The local engines: PGlite (Postgres in wasm, the default) and sqlite-wasm (smaller, faster point writes). */
export type EngineName = 'pglite' | 'sqlite';
export const ENGINE_NAMES: readonly EngineName[] = ['pglite', 'sqlite'];

/** What a tab gives the worker at connect time; the prebuilt worker needs nothing else. */
export interface TandemConfig {
  /** Name of the local database (IndexedDB name prefix). Default `tandem`. */
  name?: string;
  /** The app's schema SQL: CREATE TABLE statements. Every table with a text `id` primary key is synced. */
  schema: string;
  /** Absolute URL of the ES module whose default export (or `actions` export) is `defineActions(...)`. */
  actionsUrl: string;
  /** The local SQL engine, default 'pglite'. The schema and actions must suit it (see docs/portable-actions.md). */
  engine?: EngineName;
  /** Checkpoint once the journal since the last one has changed this many rows (a record counts at least 1) and the worker is idle; default 500. */
  checkpointEvery?: number;
  /** IndexedDB durability of journal writes: 'relaxed' survives tab and browser crashes; 'strict' also power loss, slower. */
  durability?: 'relaxed' | 'strict';
  /**
   * Table → channel column (e.g. `{ todos: 'list_id' }`): the unit of sync scope and authorisation.
   * Needed with `sync`; the server is configured with the same map.
   */
  channels?: Record<string, string>;
  /** Sync with a Tandem server. Without it the database is local-only. */
  sync?: SyncConfig;
}

export interface SyncConfig {
  /** Absolute base URL of the server's sync routes, e.g. `https://app.example/sync`. */
  url: string;
  /** Bearer token for the server's auth hook. Not part of the version: tabs may bring a newer one. */
  token?: string;
  /** Channels to sync from the start (more can be added with `sync.addChannels`). */
  channels?: string[];
}

export interface ConnectRequest {
  tabId: string;
  config: TandemConfig;
  /**
   * This tab can fetch a fresh sync token (the app gave `sync.getToken`): when the server refuses
   * the current one, or a JWT is about to expire, the worker asks it with a `TokenRequestMessage`.
   * A flag, not the function: functions cannot cross to the worker.
   */
  tokenCallback?: boolean;
}

export interface ConnectResult {
  clientId: string;
  /**
   * Content hash of what the running runtime is (engine, name, schema and migrations, the actions
   * module's code, sync url and channels): tabs of another version hand the worker over or are refused.
   */
  version: string;
  /** The local database's schema version: the number of migrations it has run. */
  schemaVersion: number;
  actions: string[];
  /**
   * This worker's id: it holds the Web Lock `workerLifeLockName(workerId)` until it dies, so a tab
   * that is granted that lock knows its worker is gone and connects to a fresh one.
   */
  workerId: string;
}

export interface LiveSubscribeResult {
  subId: string;
  rows: Row[];
}

/** All live updates caused by one committed transaction, for one tab, in one message. */
export interface LiveBatch {
  updates: { subId: string; diff: RowDiff }[];
  /**
   * Subscriptions whose re-evaluation after this commit failed (`query_failed`): they keep their
   * last rows and stay subscribed, so a later commit that makes the query work again sends a diff.
   */
  errors?: { subId: string; error: TandemErrorData }[];
}

/**
 * Live batches are posted by the worker as raw messages on the tab's own port (not through a
 * Comlink proxy on a second port), so they are ordered with action responses: when an action's
 * promise resolves in the tab, the live updates it caused have already been applied.
 */
export interface LiveMessage {
  tandem: 'live';
  batch: LiveBatch;
}

export function isLiveMessage(data: unknown): data is LiveMessage {
  return typeof data === 'object' && data !== null && (data as { tandem?: unknown }).tandem === 'live';
}

export interface WorkerStatus {
  ready: boolean;
  engine: EngineName;
  clientId: string | null;
  version: string | null;
  /** The local database's schema version: the number of migrations it has run. */
  schemaVersion: number;
  /** Local actions not yet confirmed by a server (all of them when the database is local-only). */
  pendingActions: number;
  journalRecords: number;
  lastCheckpointSeq: number;
  tabs: number;
  liveQueries: number;
  subscriptions: number;
  lastError: TandemErrorData | null;
  sync: SyncStatus;
  /** Where the runtime runs: the origin's SharedWorker, or a dedicated Worker of the elected tab. */
  host: 'shared-worker' | 'dedicated-worker';
  storage: StorageStatus;
}

/** How durable the local data is. */
export interface StorageStatus {
  /**
   * Whether the browser granted persistent storage (`navigator.storage.persisted()`): then it does
   * not evict this origin's data under storage pressure. `null` where the browser cannot tell.
   */
  persisted: boolean | null;
  /** The journal's IndexedDB durability (`config.durability`). */
  durability: 'relaxed' | 'strict';
}

export interface SyncStatus {
  /** False when the config has no `sync`: the database is local-only. */
  enabled: boolean;
  /** The server answered the last request (or the socket is open). */
  online: boolean;
  /** A push or pull is in flight. */
  syncing: boolean;
  /** Local actions the server has not confirmed yet. */
  pending: number;
  /** Channels synced, with the server version each has reached. */
  channels: { channel: string; cursor: number }[];
  /** Why the last sync attempt failed (cleared by the next success). */
  lastError: TandemErrorData | null;
  /** ms since epoch of the last successful pull. */
  lastSyncAt: number | null;
  /**
   * Rejected actions not yet acknowledged (`db.sync.acknowledgeRejections`), oldest first: the
   * server's verdicts and the worker's own (`upgrade_rejected`, `replay_rejected`). Kept durably,
   * so they survive a restart until the app has dealt with them.
   */
  rejections: Rejection[];
  /**
   * The server needs a newer version of this app: pulls are refused until the page reloads with
   * it. Pushes still go through (the server upgrades them), so no work is lost meanwhile.
   */
  updateRequired: boolean;
  /**
   * The user the local database belongs to (the first `db.sync.signIn`), null while it has none
   * (nobody signed in yet, or an app that only gives tokens).
   */
  user: string | null;
  /** `db.sync.signOut` was called and no `signIn` since: nothing is pushed or pulled. */
  signedOut: boolean;
}

/** Worker → every tab whenever the sync status changes. */
export interface SyncStatusMessage {
  tandem: 'sync';
  status: SyncStatus;
}

/** Worker → every tab when the server rejected local actions (they were rolled back). */
export interface RejectionMessage {
  tandem: 'rejected';
  rejections: Rejection[];
}

/**
 * Worker → every tab of the old version once a tab of a newer one took the worker over (its work
 * was finished, journaled, checkpointed and, when online, pushed). The tab's calls now fail with
 * `update_required`: the app should offer a reload.
 */
export interface UpdateMessage {
  tandem: 'update';
  /** The version now running. */
  version: string;
  schemaVersion: number;
}

/**
 * Worker → tab, first thing on a new port: the worker's id, so the tab watches for its death from
 * the start (a worker can die while it is still starting, before `connect` answers).
 */
export interface WorkerHello {
  tandem: 'worker';
  workerId: string;
}

/** Why the worker wants a fresh sync token: the server refused the current one, or its JWT `exp` is near. */
export type TokenRequestReason = 'unauthorized' | 'expiring';

/**
 * Worker → ONE tab that connected with `tokenCallback`: call the app's `getToken(reason)` and answer
 * with `answerTokenRequest(requestId, token | null)`. Null (or no answer) makes the worker ask the next tab.
 */
export interface TokenRequestMessage {
  tandem: 'token';
  requestId: number;
  reason: TokenRequestReason;
}

/**
 * Worker → every tab once `db.sync.signOut({ data: 'wipe' })` deleted the local database: the
 * runtime is gone, and each tab connects again (to a fresh, empty database), forgetting its token.
 * Sent after the caller's answer, on the same port.
 */
export interface WipedMessage {
  tandem: 'wiped';
}

/** Everything the worker posts to a tab outside Comlink's replies, on the tab's own port. */
export type WorkerEvent = LiveMessage | SyncStatusMessage | RejectionMessage | UpdateMessage | TokenRequestMessage | WipedMessage;

/** Who signs in (`db.sync.signIn`): the app's user id, and the bearer token the server authenticates. */
export interface SignIn {
  /** The id of the user the token authenticates (as the server's auth hook resolves it, ideally). */
  user: string;
  token: string;
}

/** `db.sync.signOut`: keep the local data for when the same user signs in again, or wipe it. */
export interface SignOut {
  data: 'keep' | 'wipe';
}

export interface SignOutResult {
  /** Pending actions deleted unpushed (0 with `keep`: they stay for the same user). */
  discarded: number;
}

export interface DebugCounters {
  /** Times each live query (by sql) was evaluated since the worker started. */
  liveEvaluations: Record<string, number>;
  actionsRun: number;
  batchesCommitted: number;
  checkpoints: number;
  /** Remote commits applied straight from a poke's changes, without a pull. */
  pokesApplied: number;
}

/** The API a tab's port exposes through Comlink. Every method validates its input. */
export interface WorkerApi {
  connect(request: ConnectRequest): Promise<ConnectResult>;
  /**
   * `callId` (optional, 1-100 word characters) is the call's identity: a retry with the same id
   * after the worker died returns the first call's result instead of running the action again.
   */
  run(name: string, args: unknown, callId?: string): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  subscribe(sql: string, params?: unknown[]): Promise<LiveSubscribeResult>;
  unsubscribe(subId: string): Promise<void>;
  status(): Promise<WorkerStatus>;
  debug(): Promise<DebugCounters>;
  ping(): Promise<number>;
  /** Adds channels to sync (persisted); their rows arrive with the next pull. */
  addChannels(channels: string[]): Promise<void>;
  /** Replaces the sync token (e.g. after sign-in); the next request uses it. */
  setSyncToken(token: string): Promise<void>;
  /**
   * The tab's answer to a `TokenRequestMessage`: the app's fresh token (used as `setSyncToken` is),
   * or null when it has none (the worker asks another tab). An unknown or stale `requestId` is ignored.
   */
  answerTokenRequest(requestId: number, token: string | null): Promise<void>;
  /** Starts a push + pull now; resolves when that cycle ends (rejects with its error). */
  syncNow(): Promise<void>;
  /** Binds the database to `user` (the first time) and syncs with `token`; refused for another user. */
  signIn(session: SignIn): Promise<void>;
  /** Stops syncing and forgets the token; `wipe` also deletes the local database. */
  signOut(options: SignOut): Promise<SignOutResult>;
  /** Removes these rejections (by action id) from the durable list once the app has dealt with them. */
  acknowledgeRejections(ids: string[]): Promise<void>;
  /** The actions the server has not settled yet, oldest first. */
  pendingActions(): Promise<PendingActionInfo[]>;
  /** Rolls back one pending action, lists it as a `discarded` rejection; it is never pushed. */
  discard(id: string): Promise<void>;
}

const MAX_SQL = 100_000;
const MAX_PARAMS = 1_000;

function bad(message: string, details?: unknown): never {
  throw new TandemError(ErrorKind.invalidRequest, message, details);
}

export function parseSql(sql: unknown): string {
  if (typeof sql !== 'string' || sql.trim() === '') bad('sql must be a non-empty string.');
  if (sql.length > MAX_SQL) bad(`sql is ${sql.length} characters; the limit is ${MAX_SQL}.`);
  return sql;
}

/**
 * `engine`, when given, also refuses what that engine cannot bind: SQLite has no date type, and
 * whether a Date should be text or epoch ms is the caller's choice (PGlite binds it as ISO text).
 */
export function parseParams(params: unknown, engine?: EngineName): unknown[] {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) bad('params must be an array (or omitted).');
  if (params.length > MAX_PARAMS) bad(`params has ${params.length} entries; the limit is ${MAX_PARAMS}.`);
  params.forEach((p, i) => {
    const ok = p === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof p) || p instanceof Date || p instanceof Uint8Array;
    if (!ok) bad(`params[${i}] is ${typeof p}; use string, number, boolean, bigint, null, Date or Uint8Array.`);
    if (engine === 'sqlite' && p instanceof Date) bad(`params[${i}] is a Date, which the SQLite engine cannot bind (it has no date type): pass date.toISOString() or date.getTime().`);
  });
  return params;
}

export function parseConnectRequest(value: unknown): ConnectRequest {
  if (typeof value !== 'object' || value === null) bad('connect expects { tabId, config }.');
  const { tabId, config, tokenCallback } = value as Record<string, unknown>;
  if (typeof tabId !== 'string' || !/^[\w-]{1,100}$/.test(tabId)) bad('connect: tabId must be 1-100 word characters.');
  if (tokenCallback !== undefined && typeof tokenCallback !== 'boolean') bad('connect: tokenCallback must be a boolean (or omitted).');
  if (typeof config !== 'object' || config === null) bad('connect: config must be an object { schema, actionsUrl }.');
  const c = config as Record<string, unknown>;
  if (typeof c.schema !== 'string' || c.schema.trim() === '') throw new TandemError(ErrorKind.schemaError, 'config.schema must be the schema SQL (a non-empty string).');
  if (typeof c.actionsUrl !== 'string') bad('config.actionsUrl must be the URL of the actions module.');
  try {
    new URL(c.actionsUrl);
  } catch {
    bad(`config.actionsUrl ${JSON.stringify(c.actionsUrl)} is not an absolute URL; resolve it first, e.g. new URL('./actions.js', location.href).href.`);
  }
  if (c.name !== undefined && (typeof c.name !== 'string' || !/^[\w.-]{1,64}$/.test(c.name))) bad('config.name must be 1-64 characters of letters, digits, _ . -');
  if (c.engine !== undefined && !ENGINE_NAMES.includes(c.engine as EngineName)) bad(`config.engine ${JSON.stringify(c.engine)} is not an engine; use 'pglite' (the default) or 'sqlite'.`);
  if (c.checkpointEvery !== undefined && (typeof c.checkpointEvery !== 'number' || !Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 1)) {
    bad('config.checkpointEvery must be a positive integer.');
  }
  if (c.durability !== undefined && c.durability !== 'relaxed' && c.durability !== 'strict') bad("config.durability must be 'relaxed' or 'strict'.");
  const out: TandemConfig = { schema: c.schema, actionsUrl: c.actionsUrl };
  if (c.channels !== undefined) out.channels = parseChannelColumns(c.channels);
  if (c.sync !== undefined) {
    if (typeof c.sync !== 'object' || c.sync === null) bad('config.sync must be { url, token?, channels? }.');
    const s = c.sync as Record<string, unknown>;
    if (typeof s.url !== 'string') bad('config.sync.url must be the absolute URL of the server\'s sync routes, e.g. new URL("/sync", location.href).href.');
    let url: URL;
    try {
      url = new URL(s.url);
    } catch {
      bad(`config.sync.url ${JSON.stringify(s.url)} is not an absolute URL.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') bad('config.sync.url must be an http(s) URL.');
    if (s.token !== undefined && (typeof s.token !== 'string' || s.token.length > 10_000)) bad('config.sync.token must be a string.');
    const why = typeof s.token === 'string' ? unprintableText(s.token) : null;
    if (why) bad(`config.sync.token ${why}: a token may not hold control characters or invalid Unicode.`);
    if (!out.channels) bad('config.sync needs config.channels: the channel column of every synced table, e.g. { todos: "list_id" }.');
    out.sync = { url: url.href.replace(/\/$/, '') };
    if (s.token !== undefined) out.sync.token = s.token as string;
    if (s.channels !== undefined) out.sync.channels = parseChannels(s.channels, 'config.sync.channels');
  }
  if (c.durability !== undefined) out.durability = c.durability as 'relaxed' | 'strict';
  if (c.name !== undefined) out.name = c.name as string;
  if (c.engine !== undefined) out.engine = c.engine as EngineName;
  if (c.checkpointEvery !== undefined) out.checkpointEvery = c.checkpointEvery as number;
  return tokenCallback === true ? { tabId, config: out, tokenCallback } : { tabId, config: out };
}

const identifier = /^[A-Za-z_][\w]{0,62}$/;

export function parseChannelColumns(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('config.channels must be an object { table: channelColumn }.');
  const out: Record<string, string> = {};
  for (const [table, column] of Object.entries(value)) {
    if (!identifier.test(table) || typeof column !== 'string' || !identifier.test(column)) {
      bad(`config.channels.${table} must map a table name to a column name (plain identifiers).`);
    }
    out[table] = column;
  }
  return out;
}

/** The socket's rule for tokens too (`unprintableText`): a control character would also make the HTTP header invalid. */
export function parseSyncToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0 || token.length > 10_000) bad('The sync token must be a non-empty string.');
  const why = unprintableText(token);
  if (why) bad(`The sync token ${why}: a token may not hold control characters or invalid Unicode.`);
  return token;
}

/** `answerTokenRequest`'s arguments: a request id the worker sent, and a token (parseSyncToken's rule) or null. */
export function parseTokenAnswer(requestId: unknown, token: unknown): { requestId: number; token: string | null } {
  if (typeof requestId !== 'number' || !Number.isSafeInteger(requestId) || requestId < 1) bad('answerTokenRequest: requestId must be the positive integer of the token request.');
  return { requestId, token: token === null ? null : parseSyncToken(token) };
}

/** `WorkerApi.signIn`'s argument: a non-empty printable user id and a valid token. */
export function parseSignIn(value: unknown): SignIn {
  if (typeof value !== 'object' || value === null) bad('signIn expects { user, token }.');
  const { user, token } = value as Record<string, unknown>;
  if (typeof user !== 'string' || user.length === 0 || user.length > 1_000) bad('signIn: user must be the user\'s id (a non-empty string of at most 1000 characters).');
  const why = unprintableText(user);
  if (why) bad(`signIn: user ${why}.`);
  return { user, token: parseSyncToken(token) };
}

export function parseSignOut(value: unknown): SignOut {
  const data = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).data : undefined;
  if (data !== 'keep' && data !== 'wipe') bad("signOut expects { data: 'keep' } (the local data stays for this user) or { data: 'wipe' } (it is deleted).");
  return { data };
}

/** A call id, as `WorkerApi.run` takes it (see there). */
export function parseCallId(callId: unknown): string | undefined {
  if (callId === undefined) return undefined;
  if (typeof callId !== 'string' || !/^[\w:-]{1,100}$/.test(callId)) bad('run: callId must be 1-100 characters of letters, digits, _ : -');
  return callId;
}

export function parseSubId(subId: unknown): string {
  if (typeof subId !== 'string' || subId.length === 0 || subId.length > 100) bad('subId must be a string returned by subscribe().');
  return subId;
}
