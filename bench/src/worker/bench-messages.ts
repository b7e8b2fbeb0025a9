import type { TandemConfig } from '@tandem/core';
import type { WorkerHost } from '@tandem/worker';
import { runB3 } from './b3-in-worker.ts';
import { profileActions } from './b3-profile.ts';
import { runB10Raw } from './sync-in-worker.ts';
import type { B10RawRequest } from './sync-in-worker.ts';
import { syncFetches } from './sync-fetches.ts';
import { b10Calls } from './b10-profile.ts';
import type { EngineCall } from './engines.ts';

export type BenchRequest =
  | { bench: 'b3'; id: number; config: TandemConfig; n: number; block: number; warmup: number }
  | { bench: 'checkpoint'; id: number; config: TandemConfig }
  | { bench: 'profile'; id: number; config: TandemConfig; sequential: number; burst: number; action?: 'add' | 'addHot' }
  | { bench: 'status'; id: number; config: TandemConfig }
  | { bench: 'isolation'; id: number }
  | { bench: 'timeline'; id: number }
  | ({ bench: 'b10raw'; id: number } & B10RawRequest)
  | { bench: 'syncFetches'; id: number }
  | { bench: 'b10Calls'; id: number };

export interface BenchContext {
  emptyImage: () => Promise<Blob | undefined>;
  timeline: () => { timeOrigin: number; moduleStart: number; logs: { at: number; message: string }[]; engineCalls: EngineCall[] };
}

export async function handleBenchMessage(host: WorkerHost, port: MessagePort, req: BenchRequest, ctx: BenchContext): Promise<void> {
  try {
    let result: unknown;
    switch (req.bench) {
      case 'b3':
        result = await runB3(await host.runtimeFor(req.config), req, ctx.emptyImage);
        break;
      case 'profile':
        result = await profileActions(await host.runtimeFor(req.config), {
          ...req,
          ...(req.config.engine ? { engine: req.config.engine } : {}),
          ...(req.action === 'addHot' ? { action: 'addHot', args: (i: number) => ({ v: i }) } : {}),
        });
        break;
      case 'checkpoint': {
        const runtime = await host.runtimeFor(req.config);
        await runtime.checkpoint();
        result = await runtime.status();
        break;
      }
      case 'status':
        result = await (await host.runtimeFor(req.config)).status();
        break;
      case 'timeline':
        result = ctx.timeline();
        break;
      case 'b10raw':
        result = await runB10Raw(req, ctx.emptyImage);
        break;
      case 'syncFetches':
        result = syncFetches;
        break;
      case 'b10Calls':
        result = b10Calls;
        break;
      case 'isolation':
        result = { crossOriginIsolated: (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? false };
        break;
      default:
        throw new Error(`unknown bench request ${JSON.stringify((req as { bench: unknown }).bench)}`);
    }
    port.postMessage({ benchReply: req.id, ok: true, result });
  } catch (error) {
    port.postMessage({ benchReply: req.id, ok: false, error: String((error as Error)?.stack ?? (error as { message?: string })?.message ?? JSON.stringify(error)) });
  }
}
