export { WorkerHost, tabLockName } from './worker-host.ts';
export type { WorkerHostOptions } from './worker-host.ts';
export { startTandemWorker } from './start-worker.ts';
export { TabSession } from './tab-session.ts';
