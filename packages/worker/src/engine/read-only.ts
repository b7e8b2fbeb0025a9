/**
 * What every engine's `read` says when a statement would change anything: db.query and live
 * queries only read, so nothing can be written that is not an action (journaled, synced, replayed)
 * and nothing can change how later actions are captured.
 */
export function readOnlyRefusal(sql: string, what: string): Error {
  return Object.assign(
    new Error(`db.query and live queries only read, and this statement would ${what}: write through an action (db.actions.<name>(args)) instead. Nothing was changed.`),
    { query: sql, readOnly: true },
  );
}
