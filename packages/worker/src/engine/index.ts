export type { CreateEngine, Engine, EngineOptions, EngineTx } from './engine.ts';
export { createPgliteEngine } from './pglite/index.ts';
export { createSqliteEngine } from './sqlite/index.ts';
