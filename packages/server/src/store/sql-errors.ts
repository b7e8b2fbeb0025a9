/** "current transaction is aborted": says only that an earlier statement failed and was swallowed. */
export function isAbortedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '25P02';
}
