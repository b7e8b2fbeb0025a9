export type { SqlDriver, SqlTransaction, SqlTx } from './sql-driver.ts';
export { createPostgresDriver } from './postgres-driver.ts';
export type { PostgresDriverOptions } from './postgres-driver.ts';
export { createPgliteDriver } from './pglite-driver.ts';
export type { PgliteDriverOptions } from './pglite-driver.ts';
