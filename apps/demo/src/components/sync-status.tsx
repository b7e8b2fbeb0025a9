import { useSyncStatus } from '@tandem/client/react';
import type { DemoDb } from '../db.ts';

/** One line: online/offline, pending count, and why the last sync failed. */
export function SyncStatusLine({ db }: { db: DemoDb }) {
  const status = useSyncStatus(db);
  if (!status) return null;
  const state = status.online ? 'online' : 'offline';
  return (
    <p className="tandem-sync" data-online={status.online ? 'true' : 'false'} data-pending={status.pending} title={status.lastError?.message ?? ''}>
      <span className={`tandem-sync-dot tandem-sync-${state}`} aria-hidden="true" /> {status.online ? 'Online' : 'Offline'}
      {' · '}
      <span className="tandem-pending">{status.pending}</span> pending
      {status.syncing ? ' · syncing…' : ''}
    </p>
  );
}
