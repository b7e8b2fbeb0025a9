// Where the demo's server keeps its data when DATABASE_SCHEMA is set (see serve.mjs).
import { quoteIdent } from '@tandem/core/sql';
import { createPostgresDriver } from '@tandem/server';

/**
 * A Postgres driver working in `schema` (created if missing). Several instances may start together:
 * the creation runs under an advisory lock, so they take turns instead of colliding.
 */
export async function openSchemaDriver(url, schema) {
  const quoted = quoteIdent(schema);
  const driver = createPostgresDriver({ url, searchPath: schema });
  try {
    await driver.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1)) as locked', ['tandem-demo.create-schema']);
      await tx.exec(`create schema if not exists ${quoted}`);
    });
  } catch (e) {
    await driver.close().catch(() => {});
    throw e;
  }
  return driver;
}
