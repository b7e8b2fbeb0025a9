import { useConnection } from '@tandem/client/react';
import type { DemoDb } from '../db.ts';

/**
 * Shown while the worker died and the tab connects to a fresh one (about a second). The input keeps
 * working: what is typed meanwhile is queued and written once the new worker is up. When the fresh
 * worker refused this tab for good (`failed`, e.g. a newer version runs now), only a reload helps.
 */
export function ConnectionBadge({ db }: { db: DemoDb | null }) {
  const state = useConnection(db);
  if (state !== 'reconnecting' && state !== 'failed') return null;
  return (
    <div className="tandem-connection" role="status" data-state={state}>
      {state === 'reconnecting' ? 'Reconnecting to the local database…' : 'This tab can no longer reach the local database: reload the page.'}
    </div>
  );
}
