export { openTandem } from './open-tandem.ts';
export type { OpenTandemOptions, OpenTandemSyncOptions } from './open-tandem.ts';
export type { GetToken } from './token-callback.ts';
export { deleteDatabase } from './delete-database.ts';
export type { DeleteDatabaseOptions } from './delete-database.ts';
export type { Tandem, TandemSync } from './tandem.ts';
export type { TandemUpdate } from './update-feed.ts';
export type { ConnectionState } from './connection/connection-state.ts';
// defineActions too, so an app's actions module needs no other Tandem package.
export { TandemError, ErrorKind, defineActions } from '@tandem/core';
export type { ActionContext, ActionDefinitions, ActionTx, TandemErrorData, WorkerStatus, SyncStatus, Rejection, Row, SignIn, SignOut, SignOutResult } from '@tandem/core';
export { PAGE_REGISTRY_KEY } from '@tandem/core';
