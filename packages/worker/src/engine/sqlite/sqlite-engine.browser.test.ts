import { runEngineConformance } from '../engine.conformance.ts';
import { createSqliteEngine } from './sqlite-engine.ts';

runEngineConformance('sqlite', createSqliteEngine);
