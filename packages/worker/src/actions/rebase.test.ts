import { createPgliteEngine } from '../engine/pglite/engine.ts';
import { appTriggerCase, runRebaseConformance } from './rebase.conformance.ts';

// PGlite in Node; the SQLite engine runs the same suite in the browser project.
runRebaseConformance('pglite', createPgliteEngine, {
  // An app trigger with a local side effect: it must run for local actions, not for the server's
  // rows (PGlite switches ordinary triggers off with session_replication_role = 'replica').
  extraSchema: `
create table inserts_seen (n int not null);
insert into inserts_seen values (0);
create function count_insert() returns trigger language plpgsql as $$ begin update inserts_seen set n = n + 1; return null; end $$;
create trigger count_insert after insert on todos for each row execute function count_insert();
`,
  extra: appTriggerCase,
});
