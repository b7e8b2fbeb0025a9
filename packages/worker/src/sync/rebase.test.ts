import { expect, it } from 'vitest';
import { createPgliteEngine } from '../engine/pglite/pglite-engine.ts';
import { runRebaseConformance } from './rebase.conformance.ts';

// PGlite in Node; the SQLite engine runs the same suite in the browser project.
runRebaseConformance('pglite', createPgliteEngine, {
  // An app trigger with a local side effect: it must run for local actions, not for the server's
  // rows. Postgres only: PGlite switches ordinary triggers off ('replica') while applying them;
  // SQLite has no such switch (docs/portable-actions.md).
  extraSchema: `
create table inserts_seen (n int not null);
insert into inserts_seen values (0);
create function count_insert() returns trigger language plpgsql as $$ begin update inserts_seen set n = n + 1; return null; end $$;
create trigger count_insert after insert on todos for each row execute function count_insert();
`,
  extra: ({ engine, local, rows, pull, change, run }) => {
    it('the server’s rows do not re-run app triggers (their effects are already in the server state)', async () => {
      await local('add', { list: 'L', title: 'local' });
      const seen = async () => Number((await engine().query<{ n: number }>('select n from inserts_seen'))[0]!.n);
      expect(await seen()).toBe(1);
      await run(pull({ changes: [change({ rowId: 's', op: 'insert', row: { id: 's', list_id: 'L', title: 'server', done: false } })] }));
      // The pending local add was reverted and replayed (its trigger ran again: +1 - the revert does not
      // undo a non-synced side effect), but the server's row did not fire it.
      expect((await rows()).map((r) => r.id)).toEqual(['c1-1.0', 's']);
      expect(await seen()).toBe(2);
    });
  },
});
