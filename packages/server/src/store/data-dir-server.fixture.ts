/**
 * A server process for the data-directory lock tests: `node … data-dir-server.fixture.ts <dir>`
 * starts the notes app on embedded PGlite in <dir> and prints `ready <url>`, or prints the start
 * error and exits 1.
 */
import { startTandemServer } from '../node-server.ts';
import { ACTIONS, CHANNELS, SCHEMA, authenticate, canRead } from '../http/sync-app.fixture.ts';

const dir = process.argv[2]!;
try {
  const server = await startTandemServer({ port: 0, schema: SCHEMA, channels: CHANNELS, actions: ACTIONS, database: { dataDir: dir }, authenticate, canRead });
  console.log(`ready ${server.url}`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
