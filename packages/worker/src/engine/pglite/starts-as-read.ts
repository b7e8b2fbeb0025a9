import { blockCommentEnd, lineEnd } from './split-statements.ts';

/** Words a read may start with (after comments and opening parentheses), lower case. */
const READ_STARTS = new Set(['select', 'with', 'values', 'table']);

/**
 * Whether `sql` starts as a query does: SELECT, WITH, VALUES or TABLE, after any comments and
 * parentheses. A read runs in a READ ONLY transaction that is rolled back, which refuses every
 * write and undoes every setting; this keeps out, before they run, the few statements whose effect
 * outlives a rollback (PREPARE, DEALLOCATE, LISTEN, LOAD, COPY…). One pass, linear.
 */
export function startsAsRead(sql: string): boolean {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === '(' || /\s/.test(c)) i++;
    else if (sql.startsWith('--', i)) i = lineEnd(sql, i);
    else if (sql.startsWith('/*', i)) i = blockCommentEnd(sql, i);
    else break;
  }
  let end = i;
  while (end < n && /[A-Za-z]/.test(sql[end]!)) end++;
  // The word must end there: "selectx" is no SELECT.
  if (end < n && /[\w$]/.test(sql[end]!)) return false;
  return READ_STARTS.has(sql.slice(i, end).toLowerCase());
}
