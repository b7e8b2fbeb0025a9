import { quoteIdent, quoteLiteral } from './quote.ts';

/**
 * The capture scaffolding the server's Postgres and the worker's engines share: the same trigger
 * names, the same SQLSTATE and the same words for a refused write, so a refusal reads and is
 * recognised alike wherever an action runs. What each end records (tandem_changes on the server,
 * tandem_patches in the worker) stays with that end.
 */

/** SQLSTATE of the capture triggers' refusals (a write outside an action, TRUNCATE). */
export const WRITE_OUTSIDE_ACTION_SQLSTATE = 'TD001';

export const CAPTURE_TRIGGER = 'tandem_capture';
export const TRUNCATE_TRIGGER = 'tandem_no_truncate';
export const CAPTURE_TRIGGER_NAMES = [CAPTURE_TRIGGER, TRUNCATE_TRIGGER] as const;

/** Where each end tells a refused writer to write instead. */
export const WRITE_PATH = { worker: 'db.actions.<name>(args)', server: 'store.invoke or a client push' } as const;

export function writeOutsideActionMessage(table: string, writePath: string): string {
  return `Tandem: write to synced table "${table}" outside an action; write through an action (${writePath}) instead`;
}

/** The plpgsql RAISE that refuses a write outside an action, naming the trigger's table. */
export function raiseWriteOutsideActionSql(writePath: string, hint: string): string {
  return `raise exception using
      errcode = '${WRITE_OUTSIDE_ACTION_SQLSTATE}',
      message = format(${quoteLiteral(writeOutsideActionMessage('%s', writePath))}, TG_TABLE_NAME),
      hint = ${quoteLiteral(hint)};`;
}

/**
 * The plpgsql function behind {@link TRUNCATE_TRIGGER}. `guard` runs first (the worker lets its
 * own bypass through); `writePath`, when given, says how to delete instead.
 */
export function refuseTruncateFunctionSql(options: { guard?: string; writePath?: string } = {}): string {
  const through = options.writePath ? `through an action (${options.writePath})` : 'through an action';
  return `create or replace function tandem_refuse_truncate() returns trigger language plpgsql as $fn$
begin
${options.guard ?? ''}  raise exception using
    errcode = '${WRITE_OUTSIDE_ACTION_SQLSTATE}',
    message = format('Tandem: TRUNCATE of synced table "%s" cannot be captured; delete its rows ${through} instead', TG_TABLE_NAME);
end
$fn$;`;
}

/**
 * (Re)creates the capture triggers on one synced table. `captureArgs` is the SQL argument list of
 * tandem_capture() (the server passes the channel column).
 */
export function installTriggersSql(table: string, captureArgs = ''): string {
  const t = quoteIdent(table);
  return `
create or replace trigger ${CAPTURE_TRIGGER} after insert or update or delete on ${t}
  for each row execute function tandem_capture(${captureArgs});
create or replace trigger ${TRUNCATE_TRIGGER} before truncate on ${t}
  for each statement execute function tandem_refuse_truncate();
`;
}

/** Removes the capture triggers from a table that is no longer synced. */
export function dropTriggersSql(table: string): string {
  const t = quoteIdent(table);
  return `
drop trigger if exists ${CAPTURE_TRIGGER} on ${t};
drop trigger if exists ${TRUNCATE_TRIGGER} on ${t};
`;
}
