interface InfoProps {
  error: string | null;
  onDismissError: () => void;
}

export function Info({ error, onDismissError }: InfoProps) {
  return (
    <footer className="info">
      {error !== null && (
        <p className="tandem-error" role="alert" title="Click to dismiss" onClick={onDismissError}>
          {error}
        </p>
      )}
      <p>Double-click to edit a todo</p>
      <p>
        Stored locally with <strong>Tandem</strong>: shared by every open tab
      </p>
      <p>
        Part of <a href="http://todomvc.com">TodoMVC</a>
      </p>
    </footer>
  );
}
