// The bundle's SQLite chunk. esbuild names a dynamic import's chunk after its module, and the size
// benchmark (bench/benchmarks/size.mjs) finds each engine's chunk by that name.
export { createSqliteEngine, preloadSqlite } from '../engine/sqlite/index.ts';
