import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect } from '../support/test.ts';
import { allTodos, openDemo, todoCount, todomvc, workerStatus } from '../support/demo.ts';
import { browserPid, closeQuietly, firstPage, killBrowser, launchProfile, newProfileDir, removeProfile } from '../support/crash.ts';

/**
 * Crash tests: a persistent profile, N acknowledged actions, SIGKILL of the browser process, relaunch
 * on the same profile: every acknowledged action must be there ("visible ⇒ durable").
 */

test.describe.configure({ timeout: 120_000 });

/** The checkpoint threshold the demo runs with: `checkpointEvery` in apps/demo/src, else the runtime's default. */
function checkpointEvery(): number {
  const read = (rel: string) => {
    try {
      return readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');
    } catch {
      return '';
    }
  };
  for (const file of ['../../apps/demo/src/db.ts', '../../apps/demo/src/main.tsx']) {
    const m = /checkpointEvery\s*:\s*(\d[\d_]*)/.exec(read(file));
    if (m) return Number(m[1]!.replace(/_/g, ''));
  }
  const m = /checkpointEvery\s*\?\?\s*(\d[\d_]*)/.exec(read('../../packages/worker/src/runtime/tandem-runtime.ts'));
  return m ? Number(m[1]!.replace(/_/g, '')) : 500;
}

/** Records how long each phase took, as a test annotation (the crash tests are the slow ones). */
function phases(testInfo: { annotations: { type: string; description?: string }[] }) {
  let last = Date.now();
  const parts: string[] = [];
  return {
    mark(name: string) {
      const now = Date.now();
      parts.push(`${name} ${now - last} ms`);
      last = now;
    },
    done() {
      testInfo.annotations.push({ type: 'phases', description: parts.join(', ') });
    },
  };
}

function collectConsole(ctx: BrowserContext, lines: string[]): void {
  ctx.on('console', (m) => lines.push(`[page ${m.type()}] ${m.text()}`));
  ctx.on('weberror', (e) => lines.push(`[page uncaught] ${e.error().message}`));
}

/** Adds todos `${prefix}-${i}` for i in [from, to) in concurrent groups of `group`; returns their ids in order. */
async function addTodos(page: Page, prefix: string, from: number, to: number, group: number): Promise<string[]> {
  return page.evaluate(
    async ({ prefix, from, to, group }) => {
      const ids: string[] = [];
      for (let i = from; i < to; i += group) {
        const n = Math.min(group, to - i);
        ids.push(...((await Promise.all(Array.from({ length: n }, (_, j) => window.tandem!.actions.addTodo!({ title: `${prefix}-${i + j}`, listId: window.tandem!.listId })))) as string[]));
      }
      return ids;
    },
    { prefix, from, to, group },
  );
}

/** After a relaunch: every acknowledged todo is present, with its title and completed flag, in the DB and the UI. */
async function expectSurvivors(page: Page, expected: { id: string; title: string; completed: boolean }[], exactCount: boolean): Promise<void> {
  const rows = await allTodos(page);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = expected.filter((e) => !byId.has(e.id));
  expect(missing.length, `acknowledged todos missing after the crash (first: ${JSON.stringify(missing.slice(0, 5))})`).toBe(0);
  for (const e of expected) expect(byId.get(e.id)).toEqual(e);
  if (exactCount) {
    expect(await todoCount(page)).toBe(expected.length);
    await expect(todomvc(page).items).toHaveCount(expected.length, { timeout: 20_000 });
  } else {
    expect(await todoCount(page)).toBeGreaterThanOrEqual(expected.length);
    await expect(todomvc(page).items).toHaveCount(rows.length, { timeout: 20_000 });
  }
  const active = rows.filter((r) => !r.completed).length;
  await expect(todomvc(page).count.locator('strong')).toHaveText(String(active));
}

test('250 acknowledged actions survive a SIGKILL of the browser', async ({ baseURL }, testInfo) => {
  const N = 250;
  const dir = newProfileDir();
  const lines: string[] = [];
  const time = phases(testInfo);
  try {
    let ctx = await launchProfile(dir, baseURL!);
    time.mark('launch');
    collectConsole(ctx, lines);
    let page = await openDemo(await firstPage(ctx));
    const pid = browserPid(dir);
    time.mark('open');

    // 50 one at a time, then 200 in concurrent groups (group commit), then toggle every 10th.
    const ids = [...(await addTodos(page, 'crash', 0, 50, 1)), ...(await addTodos(page, 'crash', 50, N, 25))];
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    const toggled = ids.filter((_, i) => i % 10 === 0);
    await page.evaluate(async (t) => {
      await Promise.all(t.map((id) => window.tandem!.actions.toggleTodo!({ id, completed: true })));
    }, toggled);
    time.mark('actions');
    // Every one of them was acknowledged: kill the browser now.
    await killBrowser(dir, pid);
    await closeQuietly(ctx);
    time.mark('kill');

    ctx = await launchProfile(dir, baseURL!);
    collectConsole(ctx, lines);
    time.mark('relaunch');
    page = await openDemo(await firstPage(ctx));
    time.mark('reopen');
    const done = new Set(toggled);
    await expectSurvivors(
      page,
      ids.map((id, i) => ({ id, title: `crash-${i}`, completed: done.has(id) })),
      true,
    );
    expect((await workerStatus(page)).lastError).toBeNull();
    time.mark('verify');
    await ctx.close();
    time.done();
  } catch (e) {
    await testInfo.attach('console', { body: lines.join('\n'), contentType: 'text/plain' });
    throw e;
  } finally {
    removeProfile(dir);
  }
});

test('a SIGKILL right after an idle checkpoint is written loses nothing', async ({ baseURL }, testInfo) => {
  const every = checkpointEvery();
  const N = Math.max(every + 50, 250);
  const dir = newProfileDir();
  const lines: string[] = [];
  const time = phases(testInfo);
  try {
    let ctx = await launchProfile(dir, baseURL!);
    time.mark('launch');
    collectConsole(ctx, lines);
    let page = await openDemo(await firstPage(ctx), '/#/completed'); // renders none of them while writing
    const pid = browserPid(dir);
    time.mark('open');

    const ids = await addTodos(page, 'idle', 0, N, 50);
    expect(ids).toHaveLength(N);
    // Poll only debug() (not routed through the worker's scheduler, so it does not delay the idle
    // checkpoint); its counter moves once the checkpoint is stored, before the journal is trimmed.
    const waited = await page.evaluate(async () => {
      const t0 = performance.now();
      const start = (await window.tandem!.debug()).checkpoints;
      while (performance.now() - t0 < 15_000) {
        if ((await window.tandem!.debug()).checkpoints > start) return performance.now() - t0;
        await new Promise((r) => setTimeout(r, 5));
      }
      return -1;
    });
    expect(waited, `no checkpoint within 15 s after ${N} actions (checkpointEvery ${every})`).toBeGreaterThanOrEqual(0);
    testInfo.annotations.push({ type: 'checkpoint', description: `stored ${Math.round(waited)} ms after the last acknowledgement; killed right then` });
    time.mark('actions');
    await killBrowser(dir, pid);
    await closeQuietly(ctx);
    time.mark('kill');

    ctx = await launchProfile(dir, baseURL!);
    collectConsole(ctx, lines);
    time.mark('relaunch');
    page = await openDemo(await firstPage(ctx), '/');
    await expectSurvivors(
      page,
      ids.map((id, i) => ({ id, title: `idle-${i}`, completed: false })),
      true,
    );
    const status = await workerStatus(page);
    expect(status.lastError).toBeNull();
    // The checkpoint that was stored before the kill is what the worker started from.
    expect(status.lastCheckpointSeq).toBeGreaterThan(0);
    time.mark('reopen+verify');
    await ctx.close();
    time.done();
  } catch (e) {
    await testInfo.attach('console', { body: lines.join('\n'), contentType: 'text/plain' });
    throw e;
  } finally {
    removeProfile(dir);
  }
});

test('a SIGKILL while a checkpoint runs under load loses no acknowledged action', async ({ baseURL }, testInfo) => {
  const every = checkpointEvery();
  // Under constant load the runtime checkpoints as soon as the journal reaches 4 × checkpointEvery
  // records since the last checkpoint: the checkpoint is queued by the commit of the batch that
  // crosses it, before that batch's promises resolve, and runs right after it.
  const trigger = 4 * every;
  const group = 100;
  const dir = newProfileDir();
  const lines: string[] = [];
  const time = phases(testInfo);
  try {
    let ctx = await launchProfile(dir, baseURL!);
    time.mark('launch');
    collectConsole(ctx, lines);
    // The #/completed view renders none of these (all active) todos: it keeps the page cheap while
    // thousands are written; the list is still live.
    let page = await openDemo(await firstPage(ctx), '/#/completed');
    const pid = browserPid(dir);
    time.mark('open');

    const run = await page.evaluate(
      async ({ trigger, group }) => {
        const ids: string[] = [];
        const add = (from: number, n: number) => Promise.all(Array.from({ length: n }, (_, j) => window.tandem!.actions.addTodo!({ title: `load-${from + j}`, listId: window.tandem!.listId })));
        const before = (await window.tandem!.debug()).checkpoints;
        while (ids.length < trigger) ids.push(...((await add(ids.length, group)) as string[]));
        // The checkpoint is now queued or running. Keep writing (not acknowledged: in flight) and
        // hand back at once, so the browser is killed while the checkpoint runs.
        add(ids.length, group).catch(() => {});
        const d = await window.tandem!.debug();
        return { ids, checkpointsStoredBefore: d.checkpoints - before };
      },
      { trigger, group },
    );
    time.mark('actions');
    await killBrowser(dir, pid);
    await closeQuietly(ctx);
    time.mark('kill');
    expect(run.ids.length).toBeGreaterThanOrEqual(Math.max(200, trigger));

    ctx = await launchProfile(dir, baseURL!);
    collectConsole(ctx, lines);
    time.mark('relaunch');
    page = await openDemo(await firstPage(ctx), '/');
    // The i-th acknowledged id was created with title load-i.
    await expectSurvivors(
      page,
      run.ids.map((id, i) => ({ id, title: `load-${i}`, completed: false })),
      false,
    );
    expect(await todoCount(page)).toBeLessThanOrEqual(run.ids.length + group);
    const status = await workerStatus(page);
    expect(status.lastError).toBeNull();
    testInfo.annotations.push({
      type: 'kill',
      description:
        `killed ${run.checkpointsStoredBefore === 0 ? 'while the checkpoint triggered at' : 'after the checkpoint triggered at'} ` +
        `${run.ids.length} acknowledged actions was ${run.checkpointsStoredBefore === 0 ? 'not yet stored' : 'already stored'} (+${group} actions in flight); after the relaunch lastCheckpointSeq = ${status.lastCheckpointSeq}, ` +
        `${(await todoCount(page)) - run.ids.length} of the in-flight ones present`,
    });
    time.mark('reopen+verify');
    await ctx.close();
    time.done();
  } catch (e) {
    await testInfo.attach('console', { body: lines.join('\n'), contentType: 'text/plain' });
    throw e;
  } finally {
    removeProfile(dir);
  }
});
