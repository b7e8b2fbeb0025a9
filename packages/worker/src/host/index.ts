export { WorkerHost } from './worker-host.ts';
// Re-exported for compatibility: the name lives in @tandem/core, shared with the client.
export { tabLockName } from '@tandem/core';
export type { WorkerHostOptions } from './worker-host.ts';
export { startTandemWorker } from './start-worker.ts';
export { TabSession } from './tab-session.ts';
