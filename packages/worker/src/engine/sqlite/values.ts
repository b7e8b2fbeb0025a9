import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { SqliteError } from './error.ts';

/**
 * How a column's value is translated, decided by its declared type. SQLite stores booleans as 0/1
 * and JSON as text, so without this a `done boolean` column would read back as 1 and a `jsonb`
 * column as a string, and rows would differ from the same rows on PGlite (and from the patches).
 */
export type ColumnKind = 'bool' | 'json' | 'blob' | 'plain';

export function columnKind(declaredType: string | null | undefined): ColumnKind {
  const type = (declaredType ?? '').trim().toLowerCase();
  if (type === 'bool' || type === 'boolean') return 'bool';
  if (type === 'json' || type === 'jsonb') return 'json';
  if (type.includes('blob') || type === 'bytea') return 'blob';
  return 'plain';
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Binds one JS value. Booleans become 1/0 (SQLite has no boolean), plain objects and arrays JSON
 * text (for JSON columns), Uint8Array a blob. Anything else would be stored as something the
 * caller did not mean (a Date as its toString()), so it is refused. Returns SQLite's result code.
 */
export function bindValue(sqlite: Sqlite3Static, stmt: number, index: number, value: unknown): number {
  const { capi } = sqlite;
  // sqlite-wasm declares sqlite3_bind_null's result as void: it returns undefined for SQLITE_OK.
  if (value === null || value === undefined) return capi.sqlite3_bind_null(stmt, index) ?? capi.SQLITE_OK;
  switch (typeof value) {
    case 'boolean':
      return capi.sqlite3_bind_int(stmt, index, value ? 1 : 0);
    case 'number':
      if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return capi.sqlite3_bind_int(stmt, index, value);
      if (Number.isSafeInteger(value)) return capi.sqlite3_bind_int64(stmt, index, BigInt(value));
      return capi.sqlite3_bind_double(stmt, index, value);
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) throw refuse(index, `${value} does not fit in a 64-bit integer`);
      return capi.sqlite3_bind_int64(stmt, index, value);
    case 'string':
      return bindText(sqlite, stmt, index, value);
    case 'object':
      if (value instanceof Uint8Array) {
        // SQLite frees the copy (SQLITE_WASM_DEALLOC), also when binding fails.
        return capi.sqlite3_bind_blob(stmt, index, sqlite.wasm.allocFromTypedArray(value), value.byteLength, capi.SQLITE_WASM_DEALLOC);
      }
      if (Array.isArray(value) || isPlainObject(value)) return bindText(sqlite, stmt, index, JSON.stringify(value));
      throw refuse(index, `a ${value.constructor?.name ?? 'non-plain object'} is not a SQL value${value instanceof Date ? ' (bind date.toISOString() or date.getTime())' : ''}`);
    default:
      throw refuse(index, `a ${typeof value} is not a SQL value`);
  }
}

/**
 * Copies the text into wasm memory first: sqlite3_bind_text's own JS-string path throws a
 * ReferenceError in sqlite-wasm 3.54.1-build1 (it tests an undefined `pMem`).
 */
function bindText(sqlite: Sqlite3Static, stmt: number, index: number, text: string): number {
  const [pointer, bytes] = sqlite.wasm.allocCString(text, true);
  return sqlite.capi.sqlite3_bind_text(stmt, index, pointer, bytes, sqlite.capi.SQLITE_WASM_DEALLOC);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function refuse(index: number, why: string): SqliteError {
  return new SqliteError(`Cannot bind parameter ${index}: ${why}.`, 'SQLITE_MISMATCH');
}

/**
 * One result column of the current row as plain JSON, following PGlite's conventions (see
 * value-parsers.ts in @tandem/core/sql) so rows compare equal across engines:
 * - integers → number, or the exact decimal string beyond Number.MAX_SAFE_INTEGER (never BigInt);
 * - declared BOOL/BOOLEAN → true/false; declared JSON/JSONB → the parsed value;
 * - blobs → Postgres hex text '\x00ff', as to_jsonb writes bytea.
 * `jsonbText` turns an SQLite JSONB blob (stored by jsonb()) into JSON text.
 */
export function readValue(sqlite: Sqlite3Static, stmt: number, column: number, kind: ColumnKind, jsonbText: (blob: Uint8Array) => string | null): unknown {
  const { capi } = sqlite;
  switch (capi.sqlite3_column_type(stmt, column)) {
    case capi.SQLITE_NULL:
      return null;
    case capi.SQLITE_INTEGER: {
      // A double holds every safe integer exactly; only larger ones need the (slower) BigInt path.
      const n = capi.sqlite3_column_double(stmt, column);
      if (kind === 'bool') return n !== 0;
      // JSON.parse loses precision beyond 2^53 too, so a JSON column stays a number either way.
      if (Number.isSafeInteger(n) || kind === 'json') return n;
      return capi.sqlite3_column_int64(stmt, column).toString();
    }
    case capi.SQLITE_FLOAT: {
      const n = capi.sqlite3_column_double(stmt, column);
      return kind === 'bool' ? n !== 0 : n;
    }
    case capi.SQLITE_TEXT: {
      const text = capi.sqlite3_column_text(stmt, column);
      return kind === 'json' ? parseJson(text) : text;
    }
    default: {
      const pointer = capi.sqlite3_column_blob(stmt, column);
      const size = capi.sqlite3_column_bytes(stmt, column);
      const bytes = sqlite.wasm.heap8u().slice(Number(pointer), Number(pointer) + size);
      if (kind === 'json') {
        const text = jsonbText(bytes);
        if (text !== null) return parseJson(text);
      }
      return byteaHex(bytes);
    }
  }
}

/** Text that is not valid JSON (written before the column held JSON) is returned as it is. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Postgres's bytea text form, '\x' then two lowercase hex digits per byte. */
export function byteaHex(bytes: Uint8Array): string {
  let out = '\\x';
  for (const byte of bytes) out += HEX[byte]!;
  return out;
}
