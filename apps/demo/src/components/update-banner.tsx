import { useUpdateAvailable } from '@tandem/client/react';
import type { DemoDb } from '../db.ts';

/**
 * A newer version of the app took over the local database (or the server needs one): this tab's
 * writes are refused until it reloads. Nothing is lost: its earlier work was saved and handed over,
 * and text typed since stays in the input.
 */
export function UpdateBanner({ db }: { db: DemoDb | null }) {
  const available = useUpdateAvailable(db);
  if (!available) return null;
  return (
    <div className="tandem-update" role="status">
      A new version is available — reload to keep working.{' '}
      <button type="button" className="tandem-reload" onClick={() => location.reload()}>
        Reload
      </button>
    </div>
  );
}
