import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { toStorageError } from './storage-errors.ts';

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('toStorageError', () => {
  it('finds a QuotaExceededError however Dexie wraps it', () => {
    for (const error of [quota(), new Dexie.AbortError(quota()), new Dexie.BulkError('1 of 2 failed', { 1: quota() }), new Dexie.OpenFailedError(quota())]) {
      expect(toStorageError('append', error)).toMatchObject({ kind: 'storage_full', details: { operation: 'append', cause: { name: 'QuotaExceededError' } } });
    }
  });

  it('a refused or missing IndexedDB is storage_unavailable', () => {
    for (const error of [new Dexie.MissingAPIError(), new Dexie.OpenFailedError(new DOMException('x', 'InvalidStateError')), new DOMException('Internal error.', 'UnknownError')]) {
      expect(toStorageError('open', error)).toMatchObject({ kind: 'storage_unavailable', details: { operation: 'open' } });
    }
  });

  it('passes anything else on unchanged', () => {
    const clone = new DOMException('could not be cloned', 'DataCloneError');
    expect(toStorageError('append', clone)).toBe(clone);
    const closed = new Dexie.DatabaseClosedError();
    expect(toStorageError('read', closed)).toBe(closed);
  });
});
