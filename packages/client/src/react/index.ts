import { useEffect, useState } from 'react';
import type { Row } from '@tandem/core';
import type { Tandem } from '../open-tandem.ts';

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
