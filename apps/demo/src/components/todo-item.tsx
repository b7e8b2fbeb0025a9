import { memo, useRef, useState, type KeyboardEvent } from 'react';
import type { Todo } from '../todo.ts';
import { usePendingValue } from '../use-pending-value.ts';

interface TodoItemProps {
  todo: Todo;
  onToggle: (id: string, completed: boolean) => Promise<unknown>;
  /** Saves a new title; an empty (trimmed) title deletes the todo. */
  onEdit: (id: string, title: string) => void;
  onDelete: (id: string) => void;
}

/** Memoised: the live query keeps unchanged row objects identical, so unchanged items skip rendering. */
export const TodoItem = memo(function TodoItem({ todo, onToggle, onEdit, onDelete }: TodoItemProps) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  // One save or cancel per edit session: Enter/Escape end editing, and the blur that follows must not
  // save a second time (or save after a cancel).
  const session = useRef(false);
  const [completed, setCompleted] = usePendingValue(todo.completed);

  function startEditing() {
    session.current = true;
    setText(todo.title);
    setEditing(true);
  }

  function finish(save: boolean) {
    if (!session.current) return;
    session.current = false;
    setEditing(false);
    if (!save) return;
    const title = text.trim();
    if (title === todo.title) return;
    if (title === '') onDelete(todo.id);
    else onEdit(todo.id, title);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter' && !e.nativeEvent.isComposing) finish(true);
    else if (e.key === 'Escape') finish(false);
  }

  const className = [completed ? 'completed' : '', editing ? 'editing' : ''].filter(Boolean).join(' ') || undefined;

  return (
    <li className={className} data-id={todo.id}>
      <div className="view">
        <input className="toggle" type="checkbox" checked={completed} onChange={(e) => setCompleted(e.target.checked, onToggle(todo.id, e.target.checked))} />
        <label onDoubleClick={startEditing}>{todo.title}</label>
        <button className="destroy" aria-label={`Delete ${todo.title}`} onClick={() => onDelete(todo.id)} />
      </div>
      {editing && (
        <input
          className="edit"
          autoFocus
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => finish(true)}
          onFocus={(e) => e.currentTarget.setSelectionRange(e.currentTarget.value.length, e.currentTarget.value.length)}
        />
      )}
    </li>
  );
});
