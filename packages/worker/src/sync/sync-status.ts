import type { SyncStatus } from '@tandem/core';

/** The status of a local-only database (no `sync` in its config). */
export function localOnlySyncStatus(pending: number): SyncStatus {
  return { enabled: false, online: false, syncing: false, pending, channels: [], lastError: null, lastSyncAt: null, rejections: [], updateRequired: false };
}
