import { useCallback, useEffect, useMemo } from 'react';
import { useLiveQuery } from '@tandem/client/react';
import type { DemoDb } from '../db.ts';
import { TODOS_SQL, todosParams, type Todo } from '../todo.ts';
import type { Route } from '../use-route.ts';
import { Footer } from './footer.tsx';
import { TodoList } from './todo-list.tsx';

interface TodosProps {
  db: DemoDb;
  route: Route;
  report: (error: unknown) => void;
  /** Called once the first rows have arrived. */
  onLoaded: () => void;
}

/** The live part of the app: `section.main` and `footer.footer`, hidden while there are no todos. */
export function Todos({ db, route, report, onLoaded }: TodosProps) {
  const todos = useLiveQuery<Todo>(db, TODOS_SQL, todosParams(db.listId));
  const listId = db.listId;
  const loaded = todos !== undefined;
  useEffect(() => {
    if (loaded) onLoaded();
  }, [loaded, onLoaded]);

  // Each resolves once the action settled; a rejection is reported, not rethrown.
  const onToggle = useCallback((id: string, completed: boolean) => db.actions.toggleTodo({ id, completed }).catch(report), [db, report]);
  const onEdit = useCallback((id: string, title: string) => void db.actions.editTodo({ id, title }).catch(report), [db, report]);
  const onDelete = useCallback((id: string) => void db.actions.deleteTodo({ id }).catch(report), [db, report]);
  const onToggleAll = useCallback((completed: boolean) => db.actions.toggleAll({ completed, listId }).catch(report), [db, listId, report]);
  const onClearCompleted = useCallback(() => void db.actions.clearCompleted({ listId }).catch(report), [db, listId, report]);

  const visible = useMemo(() => {
    if (!todos || route === 'all') return todos ?? [];
    return todos.filter((t) => (route === 'completed' ? t.completed : !t.completed));
  }, [todos, route]);

  if (!todos || todos.length === 0) return null;

  const completedCount = todos.reduce((n, t) => (t.completed ? n + 1 : n), 0);
  const activeCount = todos.length - completedCount;

  return (
    <>
      <TodoList todos={visible} allCompleted={activeCount === 0} onToggleAll={onToggleAll} onToggle={onToggle} onEdit={onEdit} onDelete={onDelete} />
      <Footer activeCount={activeCount} completedCount={completedCount} route={route} onClearCompleted={onClearCompleted} />
    </>
  );
}
