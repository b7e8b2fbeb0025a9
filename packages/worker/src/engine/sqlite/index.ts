// What a custom worker on SQLite imports (`@tandem/worker/sqlite`): nothing here reaches PGlite.
export { createSqliteEngine, preloadSqlite } from './engine.ts';
export type { AssetFiles, CreateEngine, Engine, EngineAssetName, EngineOptions } from '../engine.ts';
