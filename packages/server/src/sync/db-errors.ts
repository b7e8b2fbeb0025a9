/**
 * Errors that say nothing about the action itself (deadlock, serialization failure, lost
 * connection, cancelled statement, out of resources): recording them as the action's rejection
 * would drop a good action for good, so the whole push fails instead and the client retries it.
 */
export function isTransientDbError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return false;
  return /^(40|08|53|57)/.test(code) || code === '55P03' || code.startsWith('CONNECT');
}

export { isAbortedError } from '../store/sql-errors.ts';
