import { useConnection } from '@tandem/client/react';
import type { DemoDb } from '../db.ts';

/**
 * Shown while the worker died and the tab connects to a fresh one (about a second). The input keeps
 * working: what is typed meanwhile is queued and written once the new worker is up.
 */
export function ConnectionBadge({ db }: { db: DemoDb | null }) {
  const state = useConnection(db);
  if (state !== 'reconnecting') return null;
  return (
    <div className="tandem-connection" role="status" data-state={state}>
      Reconnecting to the local database…
    </div>
  );
}
