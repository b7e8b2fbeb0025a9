/**
 * `ready`: calls go to a live worker. `reconnecting`: the worker died; calls wait (or are retried)
 * until a fresh one is connected. `failed`: a fresh worker refused this tab for a reason only a
 * reload fixes (a newer version of the app runs now, its schema or actions failed); calls fail with
 * that error. `closed`: `db.close()` was called.
 */
export type ConnectionState = 'ready' | 'reconnecting' | 'failed' | 'closed';
