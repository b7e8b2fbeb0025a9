import type { Rejection, SyncStatus } from '@tandem/core';

/** The status of a local-only database (no `sync` in its config): its rejections are the worker's own. */
export function localOnlySyncStatus(pending: number, rejections: Rejection[]): SyncStatus {
  return { enabled: false, online: false, syncing: false, pending, channels: [], lastError: null, lastSyncAt: null, rejections, updateRequired: false, user: null, signedOut: false };
}
