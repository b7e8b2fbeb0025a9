// What a custom worker on PGlite imports (`@tandem/worker/pglite`): nothing here reaches sqlite-wasm.
export { createPgliteEngine } from './engine.ts';
export type { AssetFiles, CreateEngine, Engine, EngineAssetName, EngineOptions } from '../engine.ts';
