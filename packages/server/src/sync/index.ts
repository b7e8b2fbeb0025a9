export type { AuthUser, CanWrite, ChannelColumns, CommitInfo, SyncStore, SyncStoreOptions } from './sync-store.ts';
export { createSyncStore } from './create-sync-store.ts';
export { setupSyncSchema } from './setup.ts';
export { SERVER_CLIENT_ID } from './clients.ts';
export { WRITE_OUTSIDE_ACTION_SQLSTATE, NO_CHANNEL_SQLSTATE } from './server-schema-sql.ts';
