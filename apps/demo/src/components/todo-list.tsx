import type { Todo } from '../todo.ts';
import { usePendingValue } from '../use-pending-value.ts';
import { TodoItem } from './todo-item.tsx';

interface TodoListProps {
  todos: readonly Todo[];
  allCompleted: boolean;
  onToggleAll: (completed: boolean) => Promise<unknown>;
  onToggle: (id: string, completed: boolean) => Promise<unknown>;
  onEdit: (id: string, title: string) => void;
  onDelete: (id: string) => void;
}

export function TodoList({ todos, allCompleted, onToggleAll, onToggle, onEdit, onDelete }: TodoListProps) {
  const [checked, setChecked] = usePendingValue(allCompleted);
  return (
    <section className="main">
      <input id="toggle-all" className="toggle-all" type="checkbox" checked={checked} onChange={(e) => setChecked(e.target.checked, onToggleAll(e.target.checked))} />
      <label htmlFor="toggle-all">Mark all as complete</label>
      <ul className="todo-list">
        {todos.map((todo) => (
          <TodoItem key={todo.id} todo={todo} onToggle={onToggle} onEdit={onEdit} onDelete={onDelete} />
        ))}
      </ul>
    </section>
  );
}
