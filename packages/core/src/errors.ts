/**
 * Errors cross Comlink and HTTP as plain `{kind, message, details}` objects: class identity does not
 * survive postMessage, so callers match on `kind`, never on `instanceof`.
 */
export const ErrorKind = {
  invalidArgs: 'invalid_args',
  unknownAction: 'unknown_action',
  actionFailed: 'action_failed',
  invalidRequest: 'invalid_request',
  versionMismatch: 'version_mismatch',
  databaseLocked: 'database_locked',
  schemaError: 'schema_error',
  actionsModuleError: 'actions_module_error',
  queryFailed: 'query_failed',
  notReady: 'not_ready',
  closed: 'closed',
  /** Sync: no or bad credentials (HTTP 401). */
  unauthorized: 'unauthorized',
  /** Sync: the user may not read that channel or write that row (HTTP 403). */
  forbidden: 'forbidden',
  /**
   * `db.sync.signIn` as another user than the one the local database belongs to: refused, nothing
   * changed. Sign out with `data: 'wipe'` first, or open a database per user (`name`).
   */
  userMismatch: 'user_mismatch',
  /** Sync: the request body is larger than the server accepts (HTTP 413); or an action's args are over SYNC_LIMITS.actionArgs (refused at the call). */
  tooLarge: 'too_large',
  /** Sync: the server could not be reached or answered with an error; the worker retries. */
  syncFailed: 'sync_failed',
  /**
   * This code is older than what it meets: a newer version of the app took over the worker, the
   * local data was migrated by a newer version, or the server needs a newer client. Reload.
   */
  updateRequired: 'update_required',
  /** Sync: the server runs an older schema version than this app; the work stays queued and is retried. */
  serverOutdated: 'server_outdated',
  /** An action queued under an older version that the current code refuses (listed until acknowledged). */
  upgradeRejected: 'upgrade_rejected',
  /** A pending action the app discarded (`db.sync.discard`): rolled back, never pushed (listed until acknowledged). */
  discarded: 'discarded',
  /** A journaled action that failed when replayed at start (listed until acknowledged). */
  replayRejected: 'replay_rejected',
  /** IndexedDB is missing or refused (a privacy mode, a disabled storage setting): nothing can be kept. */
  storageUnavailable: 'storage_unavailable',
  /** The origin's storage quota is exhausted: the write was not kept (nothing acknowledged is lost). */
  storageFull: 'storage_full',
  internal: 'internal',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export interface TandemErrorData {
  kind: ErrorKind;
  message: string;
  details?: unknown;
}

/** Thrown inside a runtime; serialised with {@link toErrorData} at every boundary. */
export class TandemError extends Error implements TandemErrorData {
  readonly kind: ErrorKind;
  readonly details?: unknown;
  constructor(kind: ErrorKind, message: string, details?: unknown) {
    super(message);
    this.name = 'TandemError';
    this.kind = kind;
    if (details !== undefined) this.details = details;
  }
  toJSON(): TandemErrorData {
    return toErrorData(this);
  }
}

const kinds = new Set<string>(Object.values(ErrorKind));

export function isTandemErrorData(value: unknown): value is TandemErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.kind === 'string' && kinds.has(v.kind) && typeof v.message === 'string';
}

/** Normalises anything thrown into the wire shape; unknown errors become `internal` (or `fallback`). */
export function toErrorData(error: unknown, fallback: ErrorKind = ErrorKind.internal): TandemErrorData {
  if (isTandemErrorData(error)) {
    const out: TandemErrorData = { kind: error.kind, message: error.message };
    if (error.details !== undefined) out.details = error.details;
    return out;
  }
  if (error instanceof Error) return { kind: fallback, message: error.message };
  return { kind: fallback, message: String(error) };
}

/** Rebuilds a throwable error on the receiving side of a boundary. */
export function fromErrorData(data: TandemErrorData): TandemError {
  return new TandemError(data.kind, data.message, data.details);
}
