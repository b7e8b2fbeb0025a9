export { openTandem } from './open-tandem.ts';
export type { OpenTandemOptions, Tandem } from './open-tandem.ts';
export { TandemError, ErrorKind } from '@tandem/core';
export type { TandemErrorData, WorkerStatus, Row } from '@tandem/core';
