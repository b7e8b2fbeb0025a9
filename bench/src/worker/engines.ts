/**
 * The engines the bench worker offers, as the prebuilt tandem-worker.js offers them: each one's
 * module is a dynamic import (its own chunks), loaded when a config first asks for it.
 */
import type { CreateEngine, WorkerHostOptions } from '@tandem/worker';

export async function emptyImage(): Promise<Blob | undefined> {
  // Copied from @tandem/worker's dist when it exists; without it the engine runs initdb (slower first start).
  const response = await fetch(new URL('./tandem-empty-pglite.tar', import.meta.url));
  return response.ok ? response.blob() : undefined;
}

/** bench/build.mjs copies every engine's assets (PGlite's wasm/data, sqlite3.wasm) flat beside the chunks. */
const assetsUrl = new URL('./', import.meta.url).href;
const workerName = (self as unknown as { name?: string }).name ?? '';

/**
 * When each createEngine call started and ended (absolute ms, timeOrigin-based): B9b's timeline
 * splits the engine's own start (wasm, restore) from the runtime's work around it. `capture`: the
 * engine's installCapture calls (B9d: a new database installs capture once).
 */
export interface EngineCall {
  start: number;
  end: number;
  capture: { start: number; end: number }[];
}
export const engineCalls: EngineCall[] = [];
const abs = () => performance.timeOrigin + performance.now();
function timed(create: CreateEngine): CreateEngine {
  return async (options) => {
    const call: EngineCall = { start: abs(), end: NaN, capture: [] };
    try {
      const engine = await create(options);
      const install = engine.installCapture.bind(engine);
      engine.installCapture = async (tables) => {
        const start = abs();
        try {
          return await install(tables);
        } finally {
          call.capture.push({ start, end: abs() });
        }
      };
      return engine;
    } finally {
      call.end = abs();
      engineCalls.push(call);
      if (engineCalls.length > 20) engineCalls.shift();
    }
  };
}

export const engines: NonNullable<WorkerHostOptions['engines']> = {
  pglite: async () => {
    // B10's profile patches PGlite's prototype: it is installed before the engine's first call.
    if (workerName.startsWith('tandem:b10-')) (await import('./b10-profile.ts')).installB10Profile();
    const [{ createPgliteEngine }, { preloadPglite }] = await Promise.all([
      import('../../../packages/worker/src/engine/pglite/engine.ts'),
      import('../../../packages/worker/src/engine/pglite/load-assets.ts'),
    ]);
    // As the prebuilt bundle: the assets load from assetsUrl and compile while the runtime reads the journal store.
    return { createEngine: timed((options) => createPgliteEngine({ assetsUrl, ...options })), emptyImage, warm: () => preloadPglite(assetsUrl) };
  },
  sqlite: async () => {
    const { createSqliteEngine, preloadSqlite } = await import('../../../packages/worker/src/engine/sqlite/engine.ts');
    // As the prebuilt bundle: the wasm compiles while the runtime reads the journal store.
    return { createEngine: timed((options) => createSqliteEngine({ assetsUrl, ...options })), warm: () => preloadSqlite(assetsUrl) };
  },
};
