// The bundle's PGlite chunk. esbuild names a dynamic import's chunk after its module, and the size
// benchmark (bench/benchmarks/size.mjs) finds each engine's chunk by that name.
export { createPgliteEngine } from '../engine/pglite/index.ts';
// Not in the public `@tandem/worker/pglite` entry: its types would pull in PGlite's own.
export { preloadPglite } from '../engine/pglite/load-assets.ts';
