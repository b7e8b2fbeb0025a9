import type { Route } from '../use-route.ts';

interface FooterProps {
  activeCount: number;
  completedCount: number;
  route: Route;
  onClearCompleted: () => void;
}

const filters: ReadonlyArray<{ route: Route; href: string; label: string }> = [
  { route: 'all', href: '#/', label: 'All' },
  { route: 'active', href: '#/active', label: 'Active' },
  { route: 'completed', href: '#/completed', label: 'Completed' },
];

export function Footer({ activeCount, completedCount, route, onClearCompleted }: FooterProps) {
  return (
    <footer className="footer">
      <span className="todo-count">
        <strong>{activeCount}</strong> {activeCount === 1 ? 'item' : 'items'} left
      </span>
      <ul className="filters">
        {filters.map((f) => (
          <li key={f.route}>
            <a className={f.route === route ? 'selected' : undefined} href={f.href}>
              {f.label}
            </a>
          </li>
        ))}
      </ul>
      {completedCount > 0 && (
        <button className="clear-completed" onClick={onClearCompleted}>
          Clear completed
        </button>
      )}
    </footer>
  );
}
