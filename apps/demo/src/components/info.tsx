import type { DemoDb } from '../db.ts';
import { Rejections } from './rejections.tsx';
import { SyncStatusLine } from './sync-status.tsx';

interface InfoProps {
  db: DemoDb | null;
  error: string | null;
  onDismissError: () => void;
}

export function Info({ db, error, onDismissError }: InfoProps) {
  return (
    <footer className="info">
      {db && <SyncStatusLine db={db} />}
      {/* Writes that were undone (the server's verdicts, or an upgrade's), listed until dismissed. */}
      {db && <Rejections db={db} />}
      {error !== null && (
        <p className="tandem-error" role="alert" title="Click to dismiss" onClick={onDismissError}>
          {error}
        </p>
      )}
      <p>Double-click to edit a todo</p>
      <p>
        Share this list: copy the address (<code className="tandem-list-id">{db?.listId ?? '…'}</code>)
      </p>
      <p>
        Synced with <strong>Tandem</strong>: works offline, shared by every open tab
      </p>
      <p>
        Part of <a href="http://todomvc.com">TodoMVC</a>
      </p>
    </footer>
  );
}
