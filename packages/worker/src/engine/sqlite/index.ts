// What a custom worker on SQLite imports (`@tandem/worker/sqlite`): nothing here reaches PGlite.
export { createSqliteEngine, preloadSqlite } from './engine.ts';
export type { CreateEngine, Engine, EngineOptions } from '../engine.ts';
