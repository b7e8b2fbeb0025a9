export type { CreateEngine, Engine, EngineOptions, EngineTx } from './engine.ts';
export { createPgliteEngine } from './pglite/pglite-engine.ts';
export { createSqliteEngine } from './sqlite/sqlite-engine.ts';
