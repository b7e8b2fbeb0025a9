export { createPgliteEngine } from './pglite-engine.ts';
