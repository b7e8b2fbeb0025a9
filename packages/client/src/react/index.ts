import { useEffect, useState } from 'react';
import type { Row, SyncStatus } from '@tandem/core';
import type { ConnectionState } from '../connection/connection-state.ts';
import type { Tandem } from '../tandem.ts';

/**
 * Rows of a live query, or `undefined` until the first result. Row objects that did not change keep
 * their identity between renders, so memoised children skip them.
 */
export function useLiveQuery<R extends Row = Row>(db: Tandem<any> | null | undefined, sql: string, params: unknown[] = []): R[] | undefined {
  const [rows, setRows] = useState<R[] | undefined>(undefined);
  const key = JSON.stringify(params);
  useEffect(() => {
    if (!db) return;
    return db.live<R>(sql, JSON.parse(key) as unknown[], setRows);
  }, [db, sql, key]);
  return rows;
}

/** The worker's sync status (online, pending count, last error…), re-rendered on every change. */
export function useSyncStatus(db: Tandem<any> | null | undefined): SyncStatus | undefined {
  const [status, setStatus] = useState<SyncStatus | undefined>(db?.sync.status);
  useEffect(() => (db ? db.sync.onStatus(setStatus) : undefined), [db]);
  return status;
}

/**
 * Whether a newer version of the app is available (this tab is outdated: offer a reload), from
 * the first render on; `false` without a connection.
 */
export function useUpdateAvailable(db: Tandem<any> | null | undefined): boolean {
  const [available, setAvailable] = useState<boolean>(db?.updateAvailable ?? false);
  useEffect(() => {
    if (!db) return;
    setAvailable(db.updateAvailable);
    return db.onUpdate(() => setAvailable(true));
  }, [db]);
  return available;
}

/**
 * `db.connection`, kept current: 'reconnecting' while the worker died and a fresh one is being
 * connected (calls wait meanwhile; nothing is lost), then 'ready' again.
 */
export function useConnection(db: Tandem<any> | null | undefined): ConnectionState | undefined {
  const [state, setState] = useState<ConnectionState | undefined>(db?.connection);
  useEffect(() => {
    if (!db) return;
    setState(db.connection);
    return db.onConnection(setState);
  }, [db]);
  return state;
}
