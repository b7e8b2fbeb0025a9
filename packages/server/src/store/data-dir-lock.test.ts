import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { notesPush, post, pullAll, snapshotNotes } from '../http/sync-app.fixture.ts';
import { LOCK_FILE } from './data-dir-lock.ts';
import { createPgliteDriver } from './pglite-driver.ts';

const FIXTURE = fileURLToPath(new URL('./data-dir-server.fixture.ts', import.meta.url));

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

describe('the embedded data directory is locked (real processes)', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

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

  it('a lock left by another host is not taken over; a corrupt one is', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.example', startedAt: '2026-12-01T00:00:00.000Z' }));
    await expect(createPgliteDriver({ dataDir: dir })).rejects.toThrow(
      new RegExp(`in use by process 1 on elsewhere\\.example, started at 2026-12-01T00:00:00\\.000Z \\(a lock from another host.*delete ${join(dir, LOCK_FILE).replace(/[.\\/]/g, '\\$&')}`),
    );
    writeFileSync(join(dir, LOCK_FILE), '{"pid":');
    const driver = await createPgliteDriver({ dataDir: dir });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await driver.close();
  }, 60_000);
});
