export { openTandem } from './open-tandem.ts';
export type { OpenTandemOptions, Tandem, TandemSync } from './open-tandem.ts';
export { TandemError, ErrorKind } from '@tandem/core';
export type { TandemErrorData, WorkerStatus, SyncStatus, Rejection, Row } from '@tandem/core';
export { PAGE_REGISTRY_KEY } from './page-registry.ts';
