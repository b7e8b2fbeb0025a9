/**
 * Names that two ends must agree on without a message to carry them: Web Lock names shared by a
 * tab and its worker, and the global key under which a page lists its open connections. Written
 * once here; the client, the worker, the testing kit and the e2e import them.
 */

/** A tab holds this lock for its lifetime; the worker waits on it to learn that the tab is gone. */
export function tabLockName(tabId: string): string {
  return `tandem-tab:${tabId}`;
}

/** The IndexedDB database holding a local database's journal, checkpoints and meta: all of its storage. */
export function journalDatabaseName(database: string): string {
  return `tandem:${database}`;
}

/** One runtime per local database: its worker holds this lock while the database is open. */
export function databaseLockName(database: string): string {
  return `tandem-db:${database}`;
}

/**
 * `globalThis[Symbol.for(PAGE_REGISTRY_KEY)]` is a Set of the page's open Tandem connections, for
 * test tools and devtools (as devtools hooks do). A global symbol, so two copies of the client
 * share one list.
 */
export const PAGE_REGISTRY_KEY = 'tandem.instances';

/**
 * Workers of one origin ask each other over this BroadcastChannel to hand a local database over:
 * a worker of a newly deployed version, loaded from another URL, finds the database's lock held
 * by the old one.
 */
export function handoffChannelName(database: string): string {
  return `tandem-handoff:${database}`;
}

/**
 * `deleteDatabase(name)` asks the worker holding the database over this BroadcastChannel to let it
 * go (when no tab has it open any more): a SharedWorker outlives the tabs that closed their handle.
 */
export function deleteChannelName(database: string): string {
  return `tandem-delete:${database}`;
}

/**
 * A worker holds this lock from its first moment until it dies. A tab waits on it: being granted
 * it is the one signal of the worker's death that cannot be missed (MessagePorts have no close
 * event, and a timeout is a guess).
 */
export function workerLifeLockName(workerId: string): string {
  return `tandem-worker:${workerId}`;
}

/**
 * Without SharedWorker, one tab per database runs the runtime in a dedicated Worker: the tab that
 * holds this lock. The others queue on it, so the next one takes over when the leader goes.
 */
export function leaderLockName(database: string): string {
  return `tandem-leader:${database}`;
}

/** Without SharedWorker, a tab asks the leader's worker for a connection on this BroadcastChannel. */
export function dialChannelName(database: string): string {
  return `tandem-dial:${database}`;
}

/** One tab's connection to the leader's worker: a BroadcastChannel only those two listen on. */
export function connectionChannelName(connectionId: string): string {
  return `tandem-conn:${connectionId}`;
}
