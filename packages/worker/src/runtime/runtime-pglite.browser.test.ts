import { createPgliteEngine } from '../engine/pglite/pglite-engine.ts';
import { runRuntimeConformance } from './runtime.conformance.ts';

runRuntimeConformance('pglite', createPgliteEngine);
