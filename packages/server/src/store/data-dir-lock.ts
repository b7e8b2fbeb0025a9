/**
 * One process per embedded data directory. Two servers on one PGlite directory each keep their
 * own in-memory state and overwrite each other's files: acknowledged commits are lost and the
 * directory can become unreadable. So the directory holds `tandem-server.lock` (JSON: pid, host,
 * started at), created exclusively before PGlite opens it and removed on close.
 *
 * The holder touches the file (its mtime) every {@link LOCK_HEARTBEAT_MS}. A lock is stale, and
 * taken over, when:
 * - it was written on this host and its process is gone (SIGKILL, a crash): decided at once;
 * - it was written on another host (a container or pod restarted after a crash gets a new
 *   hostname) and its mtime does not change for {@link LOCK_STALE_MS}: the new server watches it
 *   that long, and refuses as soon as it sees a beat (a live server holds it);
 * - it is corrupt (a process killed while writing it).
 * The mtime is only compared with itself, never with this host's clock: hosts sharing a volume
 * may disagree on the time. A holder whose event loop is blocked for longer than the stale window
 * misses its beats and can lose the lock to a server on another host; each beat checks that the
 * file is still its own and warns once it is not.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'tandem-server.lock';
/** How often the holder touches the lock file. */
export const LOCK_HEARTBEAT_MS = 5_000;
/** A lock from another host whose mtime has not changed for this long is stale: three missed beats. */
export const LOCK_STALE_MS = 3 * LOCK_HEARTBEAT_MS;

export interface DataDirLockOptions {
  /** Default {@link LOCK_HEARTBEAT_MS}. */
  heartbeatMs?: number;
  /** Default 3 × heartbeatMs. */
  staleMs?: number;
  /** How often a foreign lock is checked while waiting for it to go stale (default heartbeatMs / 5). */
  pollMs?: number;
  /** This host's name as written in the lock (default `os.hostname()`; tests). */
  host?: string;
}

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Stops the heartbeat and removes the lock file if it is still this process's. */
  release(): void;
}

/** Directories this process holds or is acquiring: a second open in the same process is refused too. */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !zombie(pid);
}

/**
 * Whether `pid` is a killed process nobody has reaped yet: it still answers `kill(pid, 0)`, but
 * holds nothing. A server SIGKILLed under a shell, or in a container whose init does not reap,
 * stays one, and its lock must still be taken over. Linux only (/proc); elsewhere, false.
 */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ")".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

interface Found {
  text: string;
  owner: LockOwner | null;
  mtimeMs: number;
}

function read(path: string): Found | null {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return { text, mtimeMs, owner: typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.startedAt === 'string' ? (o as LockOwner) : null };
  } catch {
    return { text, mtimeMs, owner: null }; // half-written by a process killed while creating it
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Watches a lock from another host until its mtime changes (alive: true) or stays put for
 * `staleMs` (false), or the file itself changes (null: look again).
 */
async function watchForeign(path: string, found: Found, staleMs: number, pollMs: number): Promise<boolean | null> {
  const deadline = Date.now() + staleMs;
  for (;;) {
    await sleep(Math.max(1, Math.min(pollMs, deadline - Date.now())));
    const now = read(path);
    if (!now || now.text !== found.text) return null;
    if (now.mtimeMs !== found.mtimeMs) return true;
    if (Date.now() >= deadline) return false;
  }
}

export async function lockDataDir(dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  const heartbeatMs = options.heartbeatMs ?? LOCK_HEARTBEAT_MS;
  const staleMs = options.staleMs ?? 3 * heartbeatMs;
  const pollMs = options.pollMs ?? Math.max(1, Math.floor(heartbeatMs / 5));
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) {
    throw new Error(`The embedded database at ${dir} is already open in this process: close that driver first (two on one data directory lose each other's commits).`);
  }
  // Claimed before the first await: a concurrent open in this process would otherwise find our
  // lock, see our own pid, and take it for a previous life of this pid.
  held.add(path);
  const mine: LockOwner = { pid: process.pid, host: options.host ?? hostname(), startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  let draft: string | null = null;
  try {
    mkdirSync(dir, { recursive: true });
    // Written aside, then linked into place: link fails if the lock exists, and a lock that exists
    // is always complete (no reader can see it half-written and mistake it for stale).
    draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
    writeFileSync(draft, text);
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
      if (owner && owner.host !== mine.host) {
        // Its process cannot be checked from here: it is alive if it keeps beating.
        const beating = await watchForeign(path, found, staleMs, pollMs);
        if (beating === null) continue;
        if (beating) throw refusal(dir, path, owner, `a lock from another host, refreshed within the last ${staleMs} ms: it is running`);
      } else if (owner && owner.pid !== process.pid && alive(owner.pid)) {
        // A pid equal to ours is a previous life of this pid (a restarted container), since `held` did not have it.
        throw refusal(dir, path, owner, 'it is running');
      }
      removeStale(path, found.text);
    }
  } catch (error) {
    held.delete(path);
    throw error;
  } finally {
    if (draft !== null) unlinkSync(draft);
  }

  let warned = false;
  const beat = setInterval(() => {
    try {
      if (read(path)?.text !== text) {
        clearInterval(beat);
        if (!warned) process.emitWarning(`The data-directory lock ${path} is no longer this process's: another server may be using ${dir}.`);
        warned = true;
        return;
      }
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // A transient file-system error: the next beat tries again.
    }
  }, heartbeatMs);
  beat.unref();
  return {
    path,
    release() {
      clearInterval(beat);
      if (!held.delete(path)) return;
      if (read(path)?.text === text) unlinkSync(path);
    },
  };
}
