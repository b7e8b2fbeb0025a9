import { createSqliteEngine } from '../engine/sqlite/engine.ts';
import { appTriggerCase, runRebaseConformance } from './rebase.conformance.ts';

// The same suite as PGlite's (rebase.test.ts, in Node); sqlite-wasm runs only in the browser.
runRebaseConformance('sqlite', createSqliteEngine, {
  // The engine switches triggers off (SQLITE_DBCONFIG_ENABLE_TRIGGER) while applying server rows.
  extraSchema: `
create table inserts_seen (n int not null);
insert into inserts_seen values (0);
create trigger count_insert after insert on todos begin update inserts_seen set n = n + 1; end;
`,
  extra: appTriggerCase,
});
