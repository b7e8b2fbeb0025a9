import { runEngineConformance } from '../engine.conformance.ts';
import { createPgliteEngine } from './pglite-engine.ts';

runEngineConformance('pglite', createPgliteEngine);
