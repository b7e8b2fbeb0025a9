import { ErrorKind, TandemError } from '@tandem/core';

/**
 * IndexedDB failures the app can act on, as `storage_unavailable` and `storage_full` errors with a
 * message that says what happened, what the user can do and that nothing acknowledged was lost.
 * Anything else is passed on as it is: a bug or a closed database is not the user's storage.
 */

/** What the journal was doing when IndexedDB failed: it decides what the message promises. */
export type StorageOperation = 'open' | 'append' | 'checkpoint' | 'trim' | 'read' | 'meta';

/** Names of IndexedDB's failures to open or use storage at all (a privacy mode, blocked site data, a broken profile). */
const UNAVAILABLE = new Set(['MissingAPIError', 'SecurityError', 'InvalidStateError', 'UnknownError', 'NotAllowedError', 'OpenFailedError']);

const NOT_SAVED: Record<StorageOperation, string> = {
  open: 'The local database could not be opened',
  append: 'These actions were not saved, so they did not take effect (their calls are rejected)',
  checkpoint: 'The checkpoint was not saved; the journal still holds every change, so nothing is lost',
  trim: 'The journal could not be trimmed after a checkpoint; it still holds every change',
  read: 'The local database could not be read',
  meta: 'A small piece of local state could not be saved',
};

export function storageFullError(operation: StorageOperation, cause: unknown): TandemError {
  return new TandemError(
    ErrorKind.storageFull,
    `The browser's storage for this site is full (IndexedDB quota exceeded). ${NOT_SAVED[operation]}. ` +
      'Everything saved before is kept. Free some space (other sites\' data, this site\'s caches, or disk space) and try again.',
    { operation, cause: describe(cause) },
  );
}

export function storageUnavailableError(operation: StorageOperation, cause: unknown): TandemError {
  return new TandemError(
    ErrorKind.storageUnavailable,
    `IndexedDB is not available here, so Tandem cannot keep local data (${summary(cause)}). ${NOT_SAVED[operation]}. ` +
      'Private browsing modes and blocked site data cause this: allow site data for this site or leave private mode, then reload.',
    { operation, cause: describe(cause) },
  );
}

/** Whether `error` (or what it wraps) is the quota refusing a write. */
export function isQuotaError(error: unknown): boolean {
  return causes(error).some((e) => e.name === 'QuotaExceededError');
}

/** `error` as a storage error when it is one (looking through Dexie's wrappers), else `error` unchanged. */
export function toStorageError(operation: StorageOperation, error: unknown): unknown {
  if (error instanceof TandemError) return error;
  const chain = causes(error);
  if (isQuotaError(error)) return storageFullError(operation, error);
  // Failing to open is decisive; the same names later (a transaction on an open database) mean
  // the browser's storage broke under it, which the user can address the same way.
  if (chain.some((e) => UNAVAILABLE.has(e.name))) return storageUnavailableError(operation, error);
  return error;
}

/**
 * Runs `op`, turning a storage failure into its TandemError. `isOpen`: Dexie opens on first use,
 * so a failed open surfaces from whichever call came first; it is reported as the open.
 */
export async function guardStorage<T>(operation: StorageOperation, isOpen: () => boolean, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toStorageError(isOpen() ? operation : 'open', error);
  }
}

interface NamedError {
  name: string;
  message: string;
}

/** `error` and what it wraps: Dexie's `inner`, `cause`, and a BulkError's `failures`. */
function causes(error: unknown, depth = 0): NamedError[] {
  if (typeof error !== 'object' || error === null || depth > 5) return [];
  const e = error as { name?: unknown; message?: unknown; inner?: unknown; cause?: unknown; failures?: unknown };
  const out: NamedError[] = [];
  if (typeof e.name === 'string') out.push({ name: e.name, message: typeof e.message === 'string' ? e.message : '' });
  out.push(...causes(e.inner, depth + 1), ...causes(e.cause, depth + 1));
  if (Array.isArray(e.failures)) for (const f of e.failures.slice(0, 5)) out.push(...causes(f, depth + 1));
  return out;
}

function summary(error: unknown): string {
  const { name, message } = describe(error);
  return message ? `${name}: ${message}` : name;
}

/** The innermost named cause, for `details` and the message (plain data: it crosses postMessage). */
function describe(error: unknown): NamedError {
  const chain = causes(error);
  const innermost = chain[chain.length - 1];
  if (innermost) return { name: innermost.name, message: innermost.message.split('\n')[0] ?? '' };
  return { name: 'Error', message: String(error) };
}
