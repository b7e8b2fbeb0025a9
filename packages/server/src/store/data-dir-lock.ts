/**
 * One process per embedded data directory. Two servers on one PGlite directory each keep their
 * own in-memory state and overwrite each other's files: acknowledged commits are lost and the
 * directory can become unreadable. So the directory holds `tandem-server.lock` (JSON: pid, host,
 * started at), created exclusively before PGlite opens it and removed on close.
 *
 * A lock whose process is gone (on this host) is stale, as after a SIGKILL or a crash: it is taken
 * over. One from another host cannot be checked and is never taken over: the message says which
 * file to delete once that host is known to be done with the directory.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'tandem-server.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

/** Directories this process holds: a second open in the same process is refused too. */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(path: string): { text: string; owner: LockOwner | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return { text, owner: typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.startedAt === 'string' ? (o as LockOwner) : null };
  } catch {
    return { text, owner: null }; // half-written by a process killed while creating it
  }
}

/**
 * Moves a stale lock aside, but only if it is still the one judged stale: another process may
 * have replaced it meanwhile, and that one is put back.
 */
function removeStale(path: string, staleText: string): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readFileSync(aside, 'utf8') !== staleText) {
    try {
      linkSync(aside, path); // fails only if yet another lock appeared: that one stands
    } catch {}
  }
  unlinkSync(aside);
}

function refusal(dir: string, path: string, owner: LockOwner | null, why: string): Error {
  const who = owner ? `process ${owner.pid} on ${owner.host}, started at ${owner.startedAt}` : 'another process';
  return new Error(
    `The embedded database at ${dir} is in use by ${who} (${why}): two servers on one data directory lose each other's commits. ` +
      `Stop that one, or give this server another data directory (database.dataDir) or a Postgres URL. ` +
      `If that process is gone, delete ${path}.`,
  );
}

export function lockDataDir(dir: string): DataDirLock {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) {
    throw new Error(`The embedded database at ${dir} is already open in this process: close that driver first (two on one data directory lose each other's commits).`);
  }
  mkdirSync(dir, { recursive: true });
  const mine: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  // Written aside, then linked into place: link fails if the lock exists, and a lock that exists
  // is always complete (no reader can see it half-written and mistake it for stale).
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  writeFileSync(draft, text);
  try {
    for (let attempt = 0; ; attempt++) {
      if (attempt === 5) throw refusal(dir, path, read(path)?.owner ?? null, 'the lock kept changing hands while this server started');
      try {
        linkSync(draft, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const found = read(path);
      if (!found) continue; // released meanwhile
      const { owner } = found;
      if (owner && owner.host !== mine.host) throw refusal(dir, path, owner, 'a lock from another host, which cannot be checked from here');
      // A pid equal to ours is a previous life of this pid (a restarted container), since `held` does not have it.
      if (owner && owner.pid !== process.pid && alive(owner.pid)) throw refusal(dir, path, owner, 'it is running');
      removeStale(path, found.text);
    }
  } finally {
    unlinkSync(draft);
  }
  held.add(path);
  return {
    path,
    release() {
      if (!held.delete(path)) return;
      if (read(path)?.text === text) unlinkSync(path);
    },
  };
}
