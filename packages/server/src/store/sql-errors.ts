/** "current transaction is aborted": says only that an earlier statement failed and was swallowed. */
export function isAbortedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '25P02';
}

/** A statement issued in a transaction that has already committed or rolled back (e.g. after queryAndCommit). */
export function transactionOver(): Error {
  return new Error('Tandem: this transaction has already committed or rolled back; no statement can run in it any more.');
}
