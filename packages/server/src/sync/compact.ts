import { ErrorKind, TandemError } from '@tandem/core';
import type { SqlDriver, SqlTx } from '../store/sql-driver.ts';

/**
 * Drops the change log at or below `version` and raises the horizon in the same transaction, so a
 * pull sees either both or neither: a cursor below the horizon gets a snapshot, never a gap.
 */
export async function compact(driver: SqlDriver, version: number): Promise<void> {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new TandemError(ErrorKind.invalidRequest, `compact(version): version must be an integer ≥ 0, got ${String(version)}.`);
  }
  await driver.transaction(async (tx) => {
    const [head] = await tx.query<{ version: number }>('select version from tandem_head');
    if (version > head!.version) {
      throw new TandemError(ErrorKind.invalidRequest, `compact(${version}): the head is ${head!.version}; only history at or below it can be dropped.`);
    }
    await compactThrough(tx, version);
  });
}

/** The compaction itself, inside the caller's transaction (setup uses it after a migration). */
export async function compactThrough(tx: SqlTx, version: number): Promise<void> {
  await tx.query(
    `with gone as (delete from tandem_commits where version <= $1 returning txid),
          changes as (delete from tandem_changes where txid in (select txid from gone))
     insert into tandem_meta (key, value) values ('horizon', to_jsonb($1::bigint))
     on conflict (key) do update set value = to_jsonb(greatest((tandem_meta.value #>> '{}')::bigint, $1::bigint))`,
    [version],
  );
}
