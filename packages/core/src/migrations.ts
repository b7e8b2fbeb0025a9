import type { Dialect } from './actions.ts';
import { ErrorKind, TandemError } from './errors.ts';
import type { Row } from './patch.ts';

/**
 * What a JavaScript migration step sees: the migration's one transaction, already open, on the
 * worker's engine (PGlite or SQLite) or the server's Postgres. No capture runs during a migration:
 * its writes are not an action's and are never synced (every device and the server run the same
 * step on their own data).
 */
export interface MigrationTx {
  readonly dialect: Dialect;
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
}

/**
 * One step from schema version `n - 1` to `n` (its 1-based place in the list). Steps are never
 * edited or reordered once shipped: append a new one instead. Whitespace and comments in `sql` may
 * change freely (they are not part of the version).
 */
export interface Migration {
  /** Unique within the list; shown in errors and logs. */
  name: string;
  /** SQL run first; per dialect where the client engines and Postgres differ. */
  sql?: string | { postgres?: string; sqlite?: string };
  /** A JavaScript step where SQL is not enough; runs after `sql`, in the same transaction. */
  run?: (tx: MigrationTx) => Promise<void> | void;
}

const migrationName = /^[\w.:-]{1,100}$/;

/**
 * Declares the app's migrations, oldest first: a fresh database runs the schema, then every step;
 * an existing one runs the steps it has not run. The list's length is the schema version, the
 * number devices and the server exchange. Checks the shape eagerly.
 */
export function defineMigrations(migrations: readonly Migration[]): Migration[] {
  if (!Array.isArray(migrations)) throw invalid('defineMigrations expects an array of { name, sql?, run? }, oldest first.');
  const names = new Set<string>();
  migrations.forEach((m, i) => {
    const where = `migration ${i + 1}`;
    if (typeof m !== 'object' || m === null) throw invalid(`${where} must be an object { name, sql?, run? }.`);
    if (typeof m.name !== 'string' || !migrationName.test(m.name)) throw invalid(`${where} needs a \`name\` (1-100 letters, digits, _ . : -).`);
    if (names.has(m.name)) throw invalid(`${where}: the name "${m.name}" is used twice; each step needs its own.`);
    names.add(m.name);
    if (m.run !== undefined && typeof m.run !== 'function') throw invalid(`${where} ("${m.name}"): \`run\` must be a function (tx) => Promise<void>.`);
    const sql = m.sql;
    if (sql !== undefined && typeof sql !== 'string') {
      if (typeof sql !== 'object' || sql === null || Object.keys(sql).some((k) => k !== 'postgres' && k !== 'sqlite')) {
        throw invalid(`${where} ("${m.name}"): \`sql\` must be a string or { postgres?, sqlite? }.`);
      }
      for (const [dialect, text] of Object.entries(sql)) {
        if (typeof text !== 'string') throw invalid(`${where} ("${m.name}"): sql.${dialect} must be a string.`);
      }
    }
    if (sql === undefined && m.run === undefined) throw invalid(`${where} ("${m.name}") has neither \`sql\` nor \`run\`.`);
  });
  return [...migrations];
}

/**
 * The SQL of one step for `dialect` ('' when the step is JavaScript only). A step written for the
 * other dialect alone is an error: a device or the server would skip it and drift.
 */
export function migrationSql(migration: Migration, dialect: Dialect): string {
  const { sql } = migration;
  if (sql === undefined) return '';
  if (typeof sql === 'string') return sql;
  const text = sql[dialect];
  if (text === undefined) {
    throw new TandemError(ErrorKind.schemaError, `Migration "${migration.name}" has no SQL for ${dialect} (it gives sql.${Object.keys(sql).join(', sql.')}); add sql.${dialect}.`, {
      migration: migration.name,
    });
  }
  return text;
}

/**
 * SQL with comments removed and whitespace collapsed outside quotes and dollar quotes: the text a
 * version is computed from, so reformatting or commenting a schema is not a new version. Linear.
 */
export function normaliseSql(sql: string): string {
  let out = '';
  let pendingSpace = false;
  // Punctuation needs no space around it to mean the same: `a ( b )` and `a(b)` normalise alike.
  const tight = (ch: string | undefined) => ch !== undefined && '(),;'.includes(ch);
  const emit = (text: string) => {
    if (pendingSpace && out.length > 0 && !tight(out[out.length - 1]) && !tight(text[0])) out += ' ';
    pendingSpace = false;
    out += text;
  };
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
      pendingSpace = true;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      pendingSpace = true;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k === -1) {
          j = n;
          break;
        }
        if (sql[k + 1] === c) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      emit(sql.slice(i, j));
      i = j;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        const j = end === -1 ? n : end + tag[0].length;
        emit(sql.slice(i, j));
        i = j;
      } else {
        emit(c);
        i++;
      }
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      pendingSpace = true;
      i++;
    } else {
      emit(c);
      i++;
    }
  }
  return out.replace(/;+$/, '');
}

/** A short SHA-256 hex digest (Web Crypto: the same in the browser, a worker and Node). */
export async function sha256Hex(text: string, length = 16): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, length);
}

/** The identity of one step: its name, its SQL for every dialect (normalised), and whether it has a `run`. */
export function migrationContent(migration: Migration): string {
  const sql = migration.sql;
  const text =
    sql === undefined
      ? ''
      : typeof sql === 'string'
        ? normaliseSql(sql)
        : Object.entries(sql)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([d, s]) => `${d}:${normaliseSql(s ?? '')}`)
            .join('\n');
  // A `run` step counts by its name, not its code: a rebuild with another compiler or minifier
  // reprints the function, and refusing a database over that would strand its unsynced work.
  return `${migration.name}\n${text}\n${migration.run ? 'run' : ''}`;
}

/** Hashes of the base schema and of each step, as stored with a database and compared at start. */
export interface SchemaIdentity {
  /** The base schema's normalised hash. */
  base: string;
  /** One hash per migration step, in order; its length is the schema version. */
  steps: string[];
}

export async function schemaIdentity(schema: string, migrations: readonly Migration[]): Promise<SchemaIdentity> {
  const [base, ...steps] = await Promise.all([sha256Hex(normaliseSql(schema)), ...migrations.map((m) => sha256Hex(migrationContent(m)))]);
  return { base: base!, steps };
}

function invalid(message: string): TandemError {
  return new TandemError(ErrorKind.schemaError, message);
}
