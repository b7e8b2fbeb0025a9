/**
 * `ready`: calls go to a live worker. `reconnecting`: the worker died; calls wait (or are retried)
 * until a fresh one is connected. `closed`: `db.close()` was called.
 */
export type ConnectionState = 'ready' | 'reconnecting' | 'closed';
