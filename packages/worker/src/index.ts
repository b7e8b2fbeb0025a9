export { startTandemWorker, WorkerHost, tabLockName } from './host/index.ts';
export type { WorkerHostOptions } from './host/index.ts';
export { TandemRuntime } from './runtime/tandem-runtime.ts';
export type { RuntimeDeps } from './runtime/tandem-runtime.ts';
export { LiveQueryRegistry } from './live/index.ts';
export { DexieJournalStore } from './store/index.ts';
export type { ActionRecord, Checkpoint, JournalEntry, JournalRecord, JournalStore } from './store/index.ts';
export type { CreateEngine, Engine, EngineOptions, EngineTx } from './engine/engine.ts';
export { createPgliteEngine } from './engine/pglite/pglite-engine.ts';
