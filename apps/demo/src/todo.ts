/** One row of {@link TODOS_SQL}. (A type alias, not an interface, so it satisfies Tandem's `Row`.) */
export type Todo = {
  id: string;
  title: string;
  completed: boolean;
};

/** Every todo of a list, oldest first; filtering by route happens on these rows. */
export const TODOS_SQL = 'SELECT id, title, completed FROM todos WHERE list_id = $1 ORDER BY created_at, id';

/** The live query is keyed by sql + params. */
export const todosParams = (listId: string): unknown[] => [listId];
