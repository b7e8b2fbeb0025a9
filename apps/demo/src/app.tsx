import { useCallback, useEffect, useState } from 'react';
import type { DemoDb } from './db.ts';
import { Header } from './components/header.tsx';
import { Info } from './components/info.tsx';
import { Todos } from './components/todos.tsx';
import { UpdateBanner } from './components/update-banner.tsx';
import { ConnectionBadge } from './components/connection-badge.tsx';
import { useErrorReport } from './use-error-report.ts';
import { useRoute } from './use-route.ts';

interface AppProps {
  /** The database being opened (started once in main.tsx, outside React's effects). */
  db: Promise<DemoDb>;
}

export function App({ db: opening }: AppProps) {
  const [db, setDb] = useState<DemoDb | null>(null);
  const [loaded, setLoaded] = useState(false);
  const { error, report, dismiss } = useErrorReport();
  const route = useRoute();

  useEffect(() => {
    let current = true;
    opening.then(
      (opened) => current && setDb(opened),
      (e: unknown) => current && report(e, 'Could not start the local database'),
    );
    return () => {
      current = false;
    };
  }, [opening, report]);

  const onAdd = useCallback(
    (title: string): Promise<boolean> => {
      if (!db) return Promise.resolve(false);
      return db.actions.addTodo({ title, listId: db.listId }).then(
        () => true,
        (e: unknown) => {
          report(e);
          return false;
        },
      );
    },
    [db, report],
  );
  const onLoaded = useCallback(() => setLoaded(true), []);

  const ready = db !== null && loaded;
  return (
    <>
      <UpdateBanner db={db} />
      <ConnectionBadge db={db} />
      <section className="todoapp" data-ready={ready ? 'true' : undefined} aria-busy={!ready}>
        <Header ready={db !== null} onAdd={onAdd} />
        {db && <Todos db={db} route={route} report={report} onLoaded={onLoaded} />}
      </section>
      <Info db={db} error={error} onDismissError={dismiss} />
    </>
  );
}
