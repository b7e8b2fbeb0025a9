/**
 * A process that holds a data-directory lock as if it ran on another host, for the heartbeat
 * tests: `node … data-dir-lock-holder.fixture.ts <dir> <host> <heartbeatMs>` locks <dir>, prints
 * `locked`, and beats until killed, or until a line on stdin, which releases the lock and exits.
 */
import { lockDataDir } from './data-dir-lock.ts';

const [dir, host, heartbeatMs] = process.argv.slice(2) as [string, string, string];
const lock = await lockDataDir(dir, { host, heartbeatMs: Number(heartbeatMs) });
console.log('locked');
// Not SIGTERM: tsx's own signal handling can end the process before ours runs. An open stdin
// also keeps the process alive (the lock's heartbeat is unref'd).
process.stdin.once('data', () => {
  lock.release();
  process.exit(0);
});
