import { createPgliteEngine } from '../engine/pglite/engine.ts';
import { runRuntimeConformance } from './runtime.conformance.ts';

runRuntimeConformance('pglite', createPgliteEngine);
