import { createPgliteEngine } from '../engine/pglite/engine.ts';
import { runRuntimeConformance } from './runtime.conformance.ts';
import { runUpgradeConformance } from './upgrade.conformance.ts';

runRuntimeConformance('pglite', createPgliteEngine);
runUpgradeConformance('pglite', createPgliteEngine);
