import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

interface HeaderProps {
  /** False while the database starts: the input is disabled so nothing typed is lost. */
  ready: boolean;
  /** Adds a todo; resolves false if the action was rejected (the text is then put back). */
  onAdd: (title: string) => Promise<boolean>;
}

export function Header({ ready, onAdd }: HeaderProps) {
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (ready) input.current?.focus();
  }, [ready]);

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
    const title = value.trim();
    if (!title) return;
    // Clear at once (the next todo can be typed immediately); restore the text if the add fails.
    setValue('');
    void onAdd(title).then((ok) => {
      if (!ok) setValue((current) => (current === '' ? title : current));
    });
  }

  return (
    <header className="header">
      <h1>todos</h1>
      <input
        ref={input}
        className="new-todo"
        placeholder="What needs to be done?"
        autoFocus
        disabled={!ready}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={onKeyDown}
      />
    </header>
  );
}
