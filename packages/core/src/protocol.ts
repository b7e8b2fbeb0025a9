/**
 * Every message that crosses the tab ↔ worker boundary. The worker validates what it receives with
 * the `parse*` functions here: a tab is another program and may send anything.
 */
import { ErrorKind, TandemError } from './errors.ts';
import type { TandemErrorData } from './errors.ts';
import type { Row } from './patch.ts';
import type { RowDiff } from './row-diff.ts';

export type EngineName = 'pglite';

/** What a tab gives the worker at connect time; the prebuilt worker needs nothing else. */
export interface TandemConfig {
  /** Name of the local database (IndexedDB name prefix). Default `tandem`. */
  name?: string;
  /** The app's schema SQL: CREATE TABLE statements. Every table with a text `id` primary key is synced. */
  schema: string;
  /** Absolute URL of the ES module whose default export (or `actions` export) is `defineActions(...)`. */
  actionsUrl: string;
  engine?: EngineName;
  /** Checkpoint when the journal has this many records since the last one and the worker is idle. */
  checkpointEvery?: number;
  /** IndexedDB durability of journal writes: 'relaxed' survives tab and browser crashes; 'strict' also power loss, slower. */
  durability?: 'relaxed' | 'strict';
}

export interface ConnectRequest {
  tabId: string;
  config: TandemConfig;
}

export interface ConnectResult {
  clientId: string;
  /** Hash of (engine, schema, actions URL): tabs must agree with the running worker. */
  version: string;
  actions: string[];
}

export interface LiveSubscribeResult {
  subId: string;
  rows: Row[];
}

/** All live updates caused by one committed transaction, for one tab, in one message. */
export interface LiveBatch {
  updates: { subId: string; diff: RowDiff }[];
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
  /** Local actions not yet confirmed by a server (all of them until sync exists). */
  pendingActions: number;
  journalRecords: number;
  lastCheckpointSeq: number;
  tabs: number;
  liveQueries: number;
  subscriptions: number;
  lastError: TandemErrorData | null;
}

export interface DebugCounters {
  /** Times each live query (by sql) was evaluated since the worker started. */
  liveEvaluations: Record<string, number>;
  actionsRun: number;
  batchesCommitted: number;
  checkpoints: number;
}

/** The API a tab's port exposes through Comlink. Every method validates its input. */
export interface WorkerApi {
  connect(request: ConnectRequest): Promise<ConnectResult>;
  run(name: string, args: unknown): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  subscribe(sql: string, params?: unknown[]): Promise<LiveSubscribeResult>;
  unsubscribe(subId: string): Promise<void>;
  status(): Promise<WorkerStatus>;
  debug(): Promise<DebugCounters>;
  ping(): Promise<number>;
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

export function parseParams(params: unknown): unknown[] {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) bad('params must be an array (or omitted).');
  if (params.length > MAX_PARAMS) bad(`params has ${params.length} entries; the limit is ${MAX_PARAMS}.`);
  params.forEach((p, i) => {
    const ok = p === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof p) || p instanceof Date || p instanceof Uint8Array;
    if (!ok) bad(`params[${i}] is ${typeof p}; use string, number, boolean, bigint, null, Date or Uint8Array.`);
  });
  return params;
}

export function parseConnectRequest(value: unknown): ConnectRequest {
  if (typeof value !== 'object' || value === null) bad('connect expects { tabId, config }.');
  const { tabId, config } = value as Record<string, unknown>;
  if (typeof tabId !== 'string' || !/^[\w-]{1,100}$/.test(tabId)) bad('connect: tabId must be 1-100 word characters.');
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
  if (c.engine !== undefined && c.engine !== 'pglite') bad(`config.engine ${JSON.stringify(c.engine)} is not available; use 'pglite'.`);
  if (c.checkpointEvery !== undefined && (typeof c.checkpointEvery !== 'number' || !Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 1)) {
    bad('config.checkpointEvery must be a positive integer.');
  }
  if (c.durability !== undefined && c.durability !== 'relaxed' && c.durability !== 'strict') bad("config.durability must be 'relaxed' or 'strict'.");
  const out: TandemConfig = { schema: c.schema, actionsUrl: c.actionsUrl };
  if (c.durability !== undefined) out.durability = c.durability as 'relaxed' | 'strict';
  if (c.name !== undefined) out.name = c.name as string;
  if (c.engine !== undefined) out.engine = 'pglite';
  if (c.checkpointEvery !== undefined) out.checkpointEvery = c.checkpointEvery as number;
  return { tabId, config: out };
}

export function parseSubId(subId: unknown): string {
  if (typeof subId !== 'string' || subId.length === 0 || subId.length > 100) bad('subId must be a string returned by subscribe().');
  return subId;
}
