import type { Page } from '@playwright/test';
import { PAGE_REGISTRY_KEY } from '@tandem/core';
import type { PageTandem } from './page-tandem.ts';

export type Rows = Record<string, unknown>[];

export interface WaitForLiveOptions {
  params?: unknown[];
  timeout?: number;
}

interface LiveState {
  version: number;
  rows: Rows;
  wake: (() => void) | null;
  stop: () => void;
}

const LIVE_KEY = 'tandem.testing.live';
let nextKey = 0;

/**
 * Subscribes `sql` as a live query in the page and resolves with the rows once `predicate` holds.
 * Driven by the live query's updates, not by polling, so it also proves that the page would see the
 * change (a query that only re-read would not). On timeout it says what the rows were.
 */
export async function waitForLive(page: Page, sql: string, predicate: (rows: Rows) => boolean, { params = [], timeout = 10_000 }: WaitForLiveOptions = {}): Promise<Rows> {
  if (typeof sql !== 'string' || sql.trim() === '') throw new TypeError('waitForLive(page, sql, predicate) needs the SQL of a query as a string.');
  if (typeof predicate !== 'function') throw new TypeError('waitForLive(page, sql, predicate) needs a predicate function: (rows) => boolean.');
  const key = `${process.pid}.${nextKey++}`;
  const deadline = Date.now() + timeout;
  // A query that fails would never call back: run it once first, so its error surfaces here.
  await page.evaluate(
    async ({ registry, liveKey, key, sql, params }) => {
      const db = [...((globalThis as unknown as Record<symbol, Set<PageTandem> | undefined>)[Symbol.for(registry)] ?? [])][0];
      if (!db) throw new Error('the page has no open Tandem connection');
      await db.query(sql, params);
      const g = globalThis as unknown as Record<symbol, Map<string, LiveState> | undefined>;
      const states = (g[Symbol.for(liveKey)] ??= new Map());
      const state: LiveState = { version: 0, rows: [], wake: null, stop: () => {} };
      states.set(key, state);
      state.stop = db.live(sql, params, (rows) => {
        state.version++;
        state.rows = rows;
        state.wake?.();
      });
    },
    { registry: PAGE_REGISTRY_KEY, liveKey: LIVE_KEY, key, sql, params },
  );
  let seen = 0;
  let rows: Rows = [];
  try {
    for (;;) {
      const remaining = deadline - Date.now();
      const next = await page.evaluate(
        ({ liveKey, key, seen, remaining }) => {
          const state = (globalThis as unknown as Record<symbol, Map<string, LiveState>>)[Symbol.for(liveKey)]!.get(key)!;
          const answer = () => ({ version: state.version, rows: JSON.parse(JSON.stringify(state.rows)) as Rows });
          if (state.version > seen || remaining <= 0) return answer();
          return new Promise<{ version: number; rows: Rows }>((resolve) => {
            const timer = setTimeout(() => resolve(answer()), remaining);
            state.wake = () => {
              clearTimeout(timer);
              state.wake = null;
              resolve(answer());
            };
          });
        },
        { liveKey: LIVE_KEY, key, seen, remaining: Math.max(0, remaining) },
      );
      if (next.version > seen) {
        seen = next.version;
        rows = next.rows;
        if (predicate(rows)) return rows;
      }
      if (Date.now() >= deadline) break;
    }
  } finally {
    await page
      .evaluate(
        ({ liveKey, key }) => {
          const states = (globalThis as unknown as Record<symbol, Map<string, LiveState>>)[Symbol.for(liveKey)];
          states?.get(key)?.stop();
          states?.delete(key);
        },
        { liveKey: LIVE_KEY, key },
      )
      .catch(() => {}); // the page may be gone
  }
  const shown = JSON.stringify(rows);
  throw new Error(
    `waitForLive(${page.url()}): "${sql}" did not satisfy the predicate within ${timeout} ms` +
      (seen === 0 ? ' (the live query never delivered rows).' : `; its last rows (update ${seen}): ${shown.length > 500 ? `${shown.slice(0, 500)}…` : shown}`),
  );
}
