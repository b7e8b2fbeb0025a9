import * as Comlink from 'comlink';
import { openTandem } from '@tandem/client';
import type { Tandem } from '@tandem/client';
import type { TandemConfig, WorkerApi } from '@tandem/core';
import type benchActions from '../actions.ts';
import { benchConfig, WORKER_FILE, workerName } from '../config.ts';

export type BenchDb = Tandem<typeof benchActions>;

export const now = () => performance.now();
/** Wall-clock-comparable high-resolution time, for timestamps compared across pages. */
export const absNow = () => performance.timeOrigin + performance.now();

export function workerUrl(): string {
  return new URL(WORKER_FILE, location.href).href;
}

/**
 * openTandem on the bench worker: what an app's tab does. `sharedWorker: false` is the
 * no-SharedWorker mode (a tab elected by a Web Lock runs the worker as a dedicated Worker).
 */
export function open(name: string, extra: Partial<TandemConfig> = {}, options: { sharedWorker?: boolean } = {}): Promise<BenchDb> {
  const { actionsUrl, ...config } = benchConfig(name, extra);
  return openTandem<typeof benchActions>({ ...config, actionsUrl, worker: workerUrl(), ...options });
}

/**
 * A second, raw connection to the same SharedWorker (same URL and name as openTandem uses): raw
 * echo, Comlink calls of the worker's API, and the bench side channel.
 */
export class RawPort {
  readonly worker: SharedWorker;
  readonly port: MessagePort;
  readonly api: Comlink.Remote<WorkerApi>;
  #echoResolve: (() => void) | null = null;
  #replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #nextId = 1;

  constructor(name: string, url = workerUrl(), workerNameOverride?: string) {
    this.worker = new SharedWorker(url, { type: 'module', name: workerNameOverride ?? workerName(name) });
    this.port = this.worker.port;
    this.port.addEventListener('message', (e: MessageEvent) => {
      const d = e.data as { tandem?: string; benchReply?: number; ok?: boolean; result?: unknown; error?: string } | null;
      if (d?.tandem === 'echo') {
        const r = this.#echoResolve;
        this.#echoResolve = null;
        r?.();
      } else if (typeof d?.benchReply === 'number') {
        const p = this.#replies.get(d.benchReply);
        this.#replies.delete(d.benchReply);
        if (d.ok) p?.resolve(d.result);
        else p?.reject(new Error(d.error));
      }
    });
    this.port.start();
    this.api = Comlink.wrap<WorkerApi>(this.port);
  }

  /** One raw MessagePort round trip: the worker posts `{tandem:'echo'}` messages straight back. */
  echo(): Promise<void> {
    return new Promise((resolve) => {
      this.#echoResolve = resolve;
      this.port.postMessage({ tandem: 'echo' });
    });
  }

  request<T>(msg: Record<string, unknown>): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#replies.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage({ ...msg, id });
    });
  }

  close(): void {
    this.api[Comlink.releaseProxy]();
    this.port.close();
  }
}

/** Resolves with now() at the first onChange call of a fresh live query. */
export function firstResult(db: BenchDb, sql: string, params: unknown[] = []): Promise<{ at: number; rows: unknown[]; unsubscribe: () => void }> {
  return new Promise((resolve) => {
    let unsubscribe: () => void = () => {};
    let done = false;
    unsubscribe = db.live(sql, params, (rows) => {
      if (done) return;
      done = true;
      resolve({ at: now(), rows, unsubscribe: () => unsubscribe() });
    });
  });
}

/** Times `fn` in alternating blocks with `baseline`, so drift and noise hit both alike. */
export async function interleaved(
  n: number,
  block: number,
  warmup: number,
  fn: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
): Promise<{ subject: number[]; baseline: number[] }> {
  for (let i = 0; i < warmup; i++) {
    await fn();
    await baseline();
  }
  const subject: number[] = [];
  const base: number[] = [];
  while (subject.length < n) {
    for (let i = 0; i < block; i++) {
      const t0 = now();
      await fn();
      subject.push(now() - t0);
    }
    for (let i = 0; i < block; i++) {
      const t0 = now();
      await baseline();
      base.push(now() - t0);
    }
  }
  return { subject, baseline: base };
}
