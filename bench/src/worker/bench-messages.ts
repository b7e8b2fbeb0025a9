import type { TandemConfig } from '@tandem/core';
import type { WorkerHost } from '@tandem/worker';
import { runB3 } from './b3-in-worker.ts';
import { profileActions } from './b3-profile.ts';

export type BenchRequest =
  | { bench: 'b3'; id: number; config: TandemConfig; n: number; block: number; warmup: number }
  | { bench: 'checkpoint'; id: number; config: TandemConfig }
  | { bench: 'profile'; id: number; config: TandemConfig; sequential: number; burst: number; action?: 'add' | 'addHot' }
  | { bench: 'status'; id: number; config: TandemConfig }
  | { bench: 'isolation'; id: number }
  | { bench: 'timeline'; id: number };

export interface BenchContext {
  emptyImage: () => Promise<Blob | undefined>;
  timeline: () => { timeOrigin: number; moduleStart: number; logs: { at: number; message: string }[] };
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
