import { runEngineConformance } from '../engine.conformance.ts';
import { createSqliteEngine } from './engine.ts';

runEngineConformance('sqlite', createSqliteEngine);
