// The bundle's PGlite chunk. esbuild names a dynamic import's chunk after its module, and the size
// benchmark (bench/benchmarks/size.mjs) finds each engine's chunk by that name.
export { createPgliteEngine, preloadPglite } from '../engine/pglite/index.ts';
