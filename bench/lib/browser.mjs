// Chromium (the testing kit's discovery) through playwright-core, on an on-disk profile (IndexedDB as users have it),
// plus CDP access to the profile's SharedWorkers (Playwright's API does not list them).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { chromiumLaunchOptions } from '@tandem/testing/playwright';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launchBrowser(baseURL) {
  const profile = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    // The testing kit's discovery (PLAYWRIGHT_CHROMIUM_EXECUTABLE, the system's, Playwright's): one rule everywhere.
    ...chromiumLaunchOptions(),
    headless: true,
    baseURL,
  });
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  // One blank page stays open all run: the browser stays up while bench pages come and go, and it is
  // never a client of a bench worker, so closing the bench pages lets a worker die.
  const blank = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.browser().newBrowserCDPSession();
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  const version = context.browser().version();
  return {
    context,
    blank,
    cdp,
    version,
    errors,
    async close() {
      await cdp.detach().catch(() => {});
      await context.close();
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/** A new tab on the bench page, ready when `window.bench` exists. */
export async function benchPage(context, label = '', url = '/') {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page${label}] ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.error(`[page${label} ${m.type()}] ${m.text()}`);
  });
  await page.goto(url);
  // Module scripts run before the load event goto waits for; poll only if that ever changes.
  if (!(await page.evaluate(() => globalThis.bench !== undefined))) await page.waitForFunction(() => globalThis.bench !== undefined);
  return page;
}

/** Shared-worker targets alive now, optionally only those named `name` (the SharedWorker's name). */
export async function sharedWorkers(cdp, name) {
  const { targetInfos } = await cdp.send('Target.getTargets');
  return targetInfos.filter((t) => t.type === 'shared_worker' && (name === undefined || t.title === name));
}

export async function waitForWorkerGone(cdp, name, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while ((await sharedWorkers(cdp, name)).length > 0) {
    if (Date.now() > end) throw new Error(`shared worker ${name} still alive after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A (non-flattened) CDP session on one shared worker, through the browser session's Target domain.
 * `send(method, params)` resolves with the result.
 */
export async function attachWorker(cdp, name) {
  const [target] = await sharedWorkers(cdp, name);
  if (!target) throw new Error(`no shared worker named ${name}`);
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  const onMessage = ({ sessionId: sid, message }) => {
    if (sid !== sessionId) return;
    const msg = JSON.parse(message);
    if (msg.method) for (const fn of listeners.get(msg.method) ?? []) fn(msg.params);
    const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${msg.error.message}`));
    else p.resolve(msg.result);
  };
  cdp.on('Target.receivedMessageFromTarget', onMessage);
  return {
    /** Subscribes to a CDP event of the worker; returns the unsubscribe function. */
    on(method, fn) {
      const set = listeners.get(method) ?? new Set();
      listeners.set(method, set.add(fn));
      return () => set.delete(fn);
    },
    send(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
      });
    },
    async detach() {
      cdp.off('Target.receivedMessageFromTarget', onMessage);
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
    },
  };
}

/** The worker's JS heap after a full GC (twice: finalizers can free more on the second pass). */
export async function workerHeap(session) {
  await session.send('HeapProfiler.collectGarbage');
  await session.send('HeapProfiler.collectGarbage');
  return session.send('Runtime.getHeapUsage');
}

/**
 * Counts live objects by constructor name in the worker from a full heap snapshot
 * (HeapProfiler.takeHeapSnapshot; the snapshot is taken after a GC), and self sizes by node type.
 */
export async function countObjects(session) {
  const chunks = [];
  const off = session.on('HeapProfiler.addHeapSnapshotChunk', (p) => chunks.push(p.chunk));
  try {
    await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  } finally {
    off();
  }
  const snap = JSON.parse(chunks.join(''));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const objectType = types.indexOf('object');
  const sizeAt = fields.indexOf('self_size');
  const counts = {};
  const bytesByType = {};
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    bytesByType[type] = (bytesByType[type] ?? 0) + snap.nodes[i + sizeAt];
    if (snap.nodes[i + typeAt] !== objectType) continue;
    const name = snap.strings[snap.nodes[i + nameAt]];
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return { counts, bytesByType };
}
