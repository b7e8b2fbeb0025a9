import type { SqliteConnection } from './connection.ts';

// Opcodes that open a b-tree for reading; p2 is its root page, p3 the database (0 main, 1 temp).
const READ_OPCODES = new Set(['OpenRead', 'ReopenIdx']);
const SCHEMAS = ['sqlite_schema', 'sqlite_temp_schema'];

/**
 * The tables a statement reads, from its compiled program: EXPLAIN compiles with the real
 * parameters and runs nothing. Every b-tree the program opens for reading is mapped to its table
 * through the schema's root pages (an index to the table it indexes), so reads through indexes
 * (count(*) scans the smallest index), views, subqueries, CTEs and joins all resolve. Tables the
 * planner proves unnecessary (an unused LEFT JOIN on a unique key) are rightly left out: no change
 * to them can change the result. Sorted, like PGlite's.
 */
export function tablesRead(connection: SqliteConnection, sql: string, params: readonly unknown[]): string[] {
  const program = connection.once<{ opcode: string; p2: number; p3: number }>(`explain ${sql}`, params);
  const opened = program.filter((op) => READ_OPCODES.has(op.opcode));
  if (opened.length === 0) return [];
  const tables = new Map<string, string>();
  SCHEMAS.forEach((schema, db) => {
    for (const { rootpage, tbl_name } of connection.all<{ rootpage: number; tbl_name: string }>(`select rootpage, tbl_name from ${schema} where rootpage > 0`)) {
      tables.set(`${db}:${rootpage}`, tbl_name);
    }
  });
  const names = new Set<string>();
  for (const op of opened) {
    const table = tables.get(`${op.p3}:${op.p2}`);
    if (table !== undefined) names.add(table);
  }
  return [...names].sort();
}
