import { createSqliteEngine } from '../engine/sqlite/engine.ts';
import { runRuntimeConformance } from './runtime.conformance.ts';
import { runUpgradeConformance } from './upgrade.conformance.ts';

runRuntimeConformance('sqlite', createSqliteEngine);
runUpgradeConformance('sqlite', createSqliteEngine);
