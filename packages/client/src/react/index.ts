import { useEffect, useState } from 'react';
import type { Row, SyncStatus, TandemError } from '@tandem/core';
import type { ConnectionState } from '../connection/connection-state.ts';
import type { Tandem } from '../tandem.ts';
import { useStableParams } from './stable-params.ts';

interface LiveState<R> {
  rows: R[] | undefined;
  error: TandemError | null;
}
const LOADING: LiveState<never> = { rows: undefined, error: null };
const NO_PARAMS: readonly unknown[] = [];

/**
 * Rows of a live query, or `undefined` until the first result. Row objects that did not change keep
 * their identity between renders, so memoised children skip them.
 *
 * When the query fails (at subscribe, on a re-run after a commit, or when a fresh worker refuses it)
 * the hook throws its `TandemError` during render, to the nearest React error boundary, as a
 * component that cannot get its data does with `use()`. Resetting the boundary mounts it again and
 * subscribes afresh. Params are compared element by element (`Object.is`; Dates by time,
 * Uint8Arrays by bytes), so `[listId]` written inline does not re-subscribe on each render.
 */
export function useLiveQuery<R extends Row = Row>(db: Tandem<any> | null | undefined, sql: string, params: readonly unknown[] = NO_PARAMS): R[] | undefined {
  const stable = useStableParams(params);
  const [state, setState] = useState<LiveState<R>>(LOADING);
  useEffect(() => {
    if (!db) return;
    return db.live<R>(
      sql,
      [...stable],
      (rows) => setState({ rows, error: null }),
      (error) => setState((prev) => ({ rows: prev.rows, error })),
    );
  }, [db, sql, stable]);
  if (state.error) throw state.error;
  return state.rows;
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
