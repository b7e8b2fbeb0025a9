import postgres from 'postgres';
import type { SqlDriver, SqlTx } from './sql-driver.ts';
import { isoTimestamp, OID, parseInt8 } from './value-parsers.ts';

export interface PostgresDriverOptions {
  /** e.g. `postgres://user:pass@host:5432/db` */
  url: string;
  /** Schema every connection works in (its `search_path`); tests use a fresh one each. */
  searchPath?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
}

type Sql = postgres.Sql<Record<string, never>>;
type TxSql = postgres.TransactionSql<Record<string, never>>;

// The driver's own json serializer stringifies strings again; callers (and PGlite) pass JSON text.
const jsonSerialize = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));
// A string keeps its microseconds; a number is ms since the epoch.
const timestampSerialize = (x: unknown): string =>
  x instanceof Date ? x.toISOString() : typeof x === 'number' ? new Date(x).toISOString() : String(x);
const text = (x: string): string => x;

const types = {
  int8: { to: OID.int8, from: [OID.int8], serialize: (x: unknown) => String(x), parse: parseInt8 },
  json: { to: OID.jsonb, from: [OID.json, OID.jsonb], serialize: jsonSerialize, parse: (x: string) => JSON.parse(x) as unknown },
  timestamp: { to: OID.timestamptz, from: [OID.timestamp, OID.timestamptz], serialize: timestampSerialize, parse: isoTimestamp },
  date: { to: OID.date, from: [OID.date], serialize: String, parse: text },
  bytea: { to: OID.bytea, from: [OID.bytea], serialize: (x: unknown) => (x instanceof Uint8Array ? `\\x${Buffer.from(x).toString('hex')}` : String(x)), parse: text },
};

/** Plain objects travel as JSON text (as PGlite sends them); everything else as the driver does. */
function param(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) return JSON.stringify(value);
  return value;
}

async function run<R>(sql: Sql | TxSql, text: string, params: readonly unknown[] | undefined): Promise<R[]> {
  // With parameters: a named prepared statement, so repeats cost one round trip instead of two
  // (an unnamed statement with parameters is described first). Without: the simple protocol.
  const result = params && params.length > 0
    ? await sql.unsafe(text, params.map(param) as postgres.ParameterOrJSON<never>[], { prepare: true })
    : await sql.unsafe(text);
  return [...(result as unknown as R[])];
}

/** {@link SqlDriver} on a PostgreSQL server through the `postgres` driver's connection pool. */
export function createPostgresDriver(urlOrOptions: string | PostgresDriverOptions): SqlDriver {
  const options = typeof urlOrOptions === 'string' ? { url: urlOrOptions } : urlOrOptions;
  const sql: Sql = postgres(options.url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    types,
    transform: { undefined: null },
    // "relation already exists, skipping" and friends are not the server's log to print.
    onnotice: () => undefined,
    connection: {
      application_name: 'tandem-server',
      ...(options.searchPath ? { search_path: quoteSearchPath(options.searchPath) } : {}),
    },
  }) as unknown as Sql;

  // The driver remembers any failed statement of a transaction (or savepoint) scope and fails the
  // scope with it even if the error was caught; its own savepoint() gives failures their own scope.
  const txOf = (tx: TxSql): SqlTx => ({
    query: (text, params) => run(tx, text, params),
    exec: async (script) => {
      await tx.unsafe(script);
    },
    savepoint: async (fn) => (await tx.savepoint((inner) => fn(txOf(inner as unknown as TxSql)))) as Awaited<ReturnType<typeof fn>>,
  });

  return {
    name: 'postgres',
    query: (text, params) => run(sql, text, params),
    exec: async (script) => {
      await sql.unsafe(script);
    },
    async transaction(fn, txOptions = {}) {
      const mode = `isolation level ${txOptions.isolation ?? 'read committed'}${txOptions.readOnly ? ' read only' : ''}`;
      return (await sql.begin(mode, (tx) => fn(txOf(tx as unknown as TxSql)))) as Awaited<ReturnType<typeof fn>>;
    },
    async listen(channel, onPayload) {
      const { unlisten } = await sql.listen(channel, onPayload);
      return async () => {
        await unlisten();
      };
    },
    async notify(channel, payload) {
      await sql.notify(channel, payload);
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

function quoteSearchPath(schema: string): string {
  return `"${schema.replaceAll('"', '""')}"`;
}
