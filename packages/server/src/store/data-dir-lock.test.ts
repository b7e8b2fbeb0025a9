import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { notesPush, post, pullAll, snapshotNotes } from '../http/sync-app.fixture.ts';
import { LOCK_FILE, lockDataDir } from './data-dir-lock.ts';
import { createPgliteDriver } from './pglite-driver.ts';

const FIXTURE = fileURLToPath(new URL('./data-dir-server.fixture.ts', import.meta.url));
const HOLDER = fileURLToPath(new URL('./data-dir-lock-holder.fixture.ts', import.meta.url));

interface Started {
  child: ChildProcess;
  /** `ready <url>`'s url, or null when the process exited first. */
  url: string | null;
  code: number | null;
  stderr: string;
}

/** Starts a server process on `dir`; resolves once it is ready or has exited. */
function startProcess(dir: string): Promise<Started> {
  const child = spawn(process.execPath, ['--conditions=@tandem/source', '--import', 'tsx', FIXTURE, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += String(d);
      const ready = /ready (\S+)/.exec(stdout);
      if (ready) resolve({ child, url: ready[1]!, code: null, stderr });
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
    child.on('exit', (code) => resolve({ child, url: null, code, stderr }));
  });
}

const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/**
 * Temporary data directories and child processes of one describe block, all removed (killed) after
 * it: `tempDir()` makes a directory, `children` takes each process started.
 */
function scratch(prefix: string) {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return {
    children,
    tempDir: async () => {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
  };
}

describe('the embedded data directory is locked (real processes)', () => {
  const { children, tempDir } = scratch('tandem-lock-');

  it('a second server on the directory refuses to start, naming the first; after a SIGKILL a restart takes it over with every acknowledged commit', async () => {
    const dir = await tempDir();
    const first = await startProcess(dir);
    children.push(first.child);
    expect(first.stderr).toBe('');
    expect(first.url).not.toBeNull();
    const pushed = await post(first.url!, '/sync/push', notesPush('lock-client', [{ room: 'r', body: 'acknowledged' }], 1));
    expect(pushed.status).toBe(200);

    const second = await startProcess(dir);
    children.push(second.child);
    expect(second.url).toBeNull();
    expect(second.code).toBe(1);
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number; startedAt: string };
    expect(owner.pid).toBe(first.child.pid);
    expect(second.stderr).toContain(`is in use by process ${first.child.pid} on `);
    expect(second.stderr).toContain(`started at ${owner.startedAt} (it is running)`);
    // The first is untouched by the attempt.
    expect((await fetch(`${first.url}/sync/health`)).status).toBe(200);

    first.child.kill('SIGKILL'); // no close: the lock file stays behind, stale
    await exited(first.child);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    const third = await startProcess(dir);
    children.push(third.child);
    expect(third.stderr).toBe('');
    expect(third.url).not.toBeNull();
    const pull = await post(third.url!, '/sync/pull', pullAll('reader', ['r']));
    expect(snapshotNotes(pull.body).map((n) => n.body)).toEqual(['acknowledged']);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(third.child.pid);

    third.child.kill('SIGTERM'); // close() releases the lock
    await exited(third.child);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('in one process: a second driver on the directory is refused until the first closes', async () => {
    const dir = await tempDir();
    const first = await createPgliteDriver({ dataDir: dir });
    await expect(createPgliteDriver({ dataDir: dir })).rejects.toThrow(/is already open in this process/);
    await first.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = await createPgliteDriver({ dataDir: dir });
    await again.close();
  }, 60_000);

  it('a corrupt lock is taken over', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, LOCK_FILE), '{"pid":');
    const driver = await createPgliteDriver({ dataDir: dir });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await driver.close();
  }, 60_000);
});

describe('the lock beats; one from another host is stale once it stops (a restarted pod or container)', () => {
  const HEARTBEAT = 100;
  const STALE = 3 * HEARTBEAT;
  const { children, tempDir } = scratch('tandem-beat-');

  /** A process holding `dir`'s lock as host `host`, beating every HEARTBEAT ms. */
  function holder(dir: string, host: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--conditions=@tandem/source', '--import', 'tsx', HOLDER, dir, host, String(HEARTBEAT)], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => String(d).includes('locked') && resolve(child));
      child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
  }
  const mtime = (dir: string) => statSync(join(dir, LOCK_FILE)).mtimeMs;
  const options = { host: 'pod-b', heartbeatMs: HEARTBEAT, staleMs: STALE, pollMs: 20 };

  it('a live holder on another host is refused as soon as a beat is seen; once it is SIGKILLed the lock is taken after the stale window', async () => {
    const dir = await tempDir();
    const pod = await holder(dir, 'pod-a');
    let started = Date.now();
    await expect(lockDataDir(dir, options)).rejects.toThrow(
      new RegExp(`in use by process ${pod.pid} on pod-a, started at \\S+ \\(a lock from another host, refreshed within the last ${STALE} ms: it is running\\).*delete ${join(dir, LOCK_FILE).replace(/[.\\/]/g, '\\$&')}`),
    );
    expect(Date.now() - started).toBeLessThan(STALE);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).host).toBe('pod-a');

    pod.kill('SIGKILL'); // an OOM kill: the lock stays, and stops beating
    await exited(pod);
    started = Date.now();
    const lock = await lockDataDir(dir, options);
    const waited = Date.now() - started;
    // Waited for the lock to go unrefreshed for the whole window (less what had already passed since the kill), not forever.
    expect(waited).toBeGreaterThanOrEqual(STALE - 10);
    expect(waited).toBeLessThan(STALE + 1_000);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: 'pod-b' });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 30_000);

  it('the holder touches the file every beat while it holds it, and stops on release', async () => {
    const dir = await tempDir();
    const lock = await lockDataDir(dir, options);
    const path = join(dir, LOCK_FILE);
    const text = readFileSync(path, 'utf8');
    const past = new Date(Date.now() - 60_000);
    utimesSync(path, past, past);
    await new Promise((r) => setTimeout(r, 2.5 * HEARTBEAT));
    expect(mtime(dir)).toBeGreaterThan(past.getTime() + 30_000);

    lock.release();
    writeFileSync(path, text); // the same content: only a stopped timer leaves it untouched
    utimesSync(path, past, past);
    await new Promise((r) => setTimeout(r, 2.5 * HEARTBEAT));
    expect(mtime(dir)).toBeLessThan(past.getTime() + 1_000);
  });

  it('a holder whose lock was taken over stops touching it and warns', async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const lock = await lockDataDir(dir, options);
      const path = join(dir, LOCK_FILE);
      const other = `${JSON.stringify({ pid: 1, host: 'pod-c', startedAt: '2026-12-03T00:00:00.000Z' })}\n`;
      writeFileSync(path, other);
      const past = new Date(Date.now() - 60_000);
      utimesSync(path, past, past);
      await new Promise((r) => setTimeout(r, 2.5 * HEARTBEAT));
      expect(mtime(dir)).toBeLessThan(past.getTime() + 1_000);
      expect(warnings).toEqual([`The data-directory lock ${path} is no longer this process's: another server may be using ${dir}.`]);
      lock.release();
      expect(readFileSync(path, 'utf8')).toBe(other); // not ours to remove
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a lock from another host that nobody refreshes is taken after the window; a same-host one with a live pid is refused at once', async () => {
    const dir = await tempDir();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere.example', startedAt: '2026-12-01T00:00:00.000Z' }));
    let started = Date.now();
    const lock = await lockDataDir(dir, options);
    expect(Date.now() - started).toBeGreaterThanOrEqual(STALE - 10);
    lock.release();

    const sibling = await holder(dir, 'pod-b'); // this host's name: judged by its pid
    started = Date.now();
    await expect(lockDataDir(dir, options)).rejects.toThrow(`in use by process ${sibling.pid} on pod-b`);
    expect(Date.now() - started).toBeLessThan(HEARTBEAT);
    sibling.stdin!.end('release\n');
    await exited(sibling);
    expect(sibling.exitCode).toBe(0);
    expect(existsSync(path)).toBe(false);
  }, 30_000);

  it.skipIf(process.platform !== 'linux')('a same-host lock whose process is a zombie (killed, not reaped) is taken over at once (Linux: /proc)', async () => {
    // `sleep 0.05` dies at once; its parent exec'd into `sleep 30`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(parent);
    const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(String(d).trim()))));
    const isZombie = () => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
    };
    await expect.poll(isZombie, { timeout: 5_000 }).toBe(true);
    // It still answers kill(pid, 0), as a server SIGKILLed under a shell does.
    expect(() => process.kill(pid, 0)).not.toThrow();
    const dir = await tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: 'pod-b', startedAt: '2026-12-03T00:00:00.000Z' }));
    const started = Date.now();
    const lock = await lockDataDir(dir, options);
    expect(Date.now() - started).toBeLessThan(HEARTBEAT);
    lock.release();
  }, 30_000);
});
