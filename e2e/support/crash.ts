import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from './browser.ts';

/** A fresh profile directory for a persistent context; remove it with {@link removeProfile}. */
export function newProfileDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'tandem-crash-'));
}

export function removeProfile(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

export async function launchProfile(dir: string, baseURL: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    ...chromiumLaunchOptions(),
    headless: true,
    baseURL,
  });
}

function cmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name: Z = zombie (dead, not yet reaped).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/** Every live process whose command line names this profile directory. */
export function profileProcesses(dir: string): { pid: number; args: string[] }[] {
  const flag = `--user-data-dir=${dir}`;
  const out: { pid: number; args: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const args = cmdline(pid);
    if (args?.includes(flag) && !isGone(pid)) out.push({ pid, args });
  }
  return out;
}

/**
 * The browser process of a profile: its command line has `--user-data-dir=<dir>` and no `--type=`.
 * (Debian's /usr/bin/chromium wrapper execs the real binary, so this pid is the browser itself.)
 */
export function browserPid(dir: string): number {
  const candidates = profileProcesses(dir).filter((p) => !p.args.some((a) => a.startsWith('--type=')));
  if (candidates.length !== 1) {
    throw new Error(`expected one browser process for ${dir}, found ${candidates.length}: ${candidates.map((c) => `${c.pid} ${c.args[0]}`).join('; ')}`);
  }
  return candidates[0]!.pid;
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * SIGKILLs the profile's browser process and waits until it, and every other process of the profile
 * (renderers, the worker's process…), is gone. Returns the killed pid.
 */
export async function killBrowser(dir: string, pid = browserPid(dir)): Promise<number> {
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => isGone(pid), 10_000, `browser pid ${pid} to die`);
  // Children notice their parent's death on their own; give them a moment, then make sure.
  try {
    await waitUntil(() => profileProcesses(dir).length === 0, 5_000, 'the profile\'s child processes to exit');
  } catch {
    for (const p of profileProcesses(dir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await waitUntil(() => profileProcesses(dir).length === 0, 5_000, 'the profile\'s child processes to exit after SIGKILL');
  }
  return pid;
}

export async function firstPage(ctx: BrowserContext): Promise<Page> {
  return ctx.pages()[0] ?? (await ctx.newPage());
}

/** Closes a context whose browser was killed (its close may never answer). */
export async function closeQuietly(ctx: BrowserContext): Promise<void> {
  await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
}
