import type { TandemError } from '@tandem/core';

/**
 * Where a live query's failure goes: the app's `onError`, or the console when it gave none, so a
 * broken query is never silent (it would otherwise look like a query that is still loading). An
 * `onError` that throws is logged: it must not stop the other queries or the reconnect.
 */
export function liveErrorHandler(sql: string, onError: ((error: TandemError) => void) | undefined): (error: TandemError) => void {
  return (error) => {
    if (!onError) return console.error(`[tandem] live query failed: ${sql}`, error);
    try {
      onError(error);
    } catch (thrown) {
      console.error('[tandem] a live query error callback threw', thrown);
    }
  };
}
