import { useState } from 'react';
import type { Rejection } from '@tandem/client';
import { useSyncStatus } from '@tandem/client/react';
import type { DemoDb } from '../db.ts';

function describe(r: Rejection): string {
  switch (r.error.kind) {
    case 'upgrade_rejected':
      return `"${r.name}" could not be carried over to this version of the app and was undone: ${r.error.message}`;
    case 'replay_rejected':
      return `"${r.name}" failed when the local database reopened and was undone: ${r.error.message}`;
    default:
      return `The server rejected "${r.name}" and it was undone: ${r.error.message}`;
  }
}

/**
 * Writes that were undone, as the worker lists them until acknowledged (they survive a reload):
 * said out loud instead of vanishing, each dismissed on its own.
 */
export function Rejections({ db }: { db: DemoDb }) {
  const status = useSyncStatus(db);
  // Hidden at once on click; the worker's list follows once the acknowledgement is stored.
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const listed = (status?.rejections ?? []).filter((r) => !dismissed.has(r.id));
  if (listed.length === 0) return null;
  const dismiss = (id: string) => {
    setDismissed((current) => new Set(current).add(id));
    db.sync.acknowledgeRejections([id]).catch((e: unknown) => console.error('[demo] could not acknowledge a rejection', e));
  };
  return (
    <ul className="tandem-error tandem-rejections" role="alert">
      {listed.map((r) => (
        <li key={r.id} data-rejection={r.id}>
          {describe(r)}{' '}
          <button type="button" className="tandem-dismiss" aria-label={`Dismiss: ${r.name} was undone`} onClick={() => dismiss(r.id)}>
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
