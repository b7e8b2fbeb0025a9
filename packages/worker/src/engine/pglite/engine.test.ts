import { runEngineConformance } from '../engine.conformance.ts';
import { createPgliteEngine } from './engine.ts';

runEngineConformance('pglite', createPgliteEngine);
