import { createSqliteEngine } from '../engine/sqlite/engine.ts';
import { runRuntimeConformance } from './runtime.conformance.ts';

runRuntimeConformance('sqlite', createSqliteEngine);
