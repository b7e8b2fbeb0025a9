/** B1: a Comlink no-op call tab → worker (`api.ping()`) vs a raw MessagePort echo on the same port. */
import { interleaved, open, RawPort } from './common.ts';

export async function b1(opts: { name: string; n: number; block: number; warmup: number }) {
  const db = await open(opts.name); // a running app: the runtime is up, this tab is connected
  const raw = new RawPort(opts.name);
  const { subject, baseline } = await interleaved(opts.n, opts.block, opts.warmup, () => raw.api.ping(), () => raw.echo());
  raw.close();
  db.close();
  return { comlink: subject, echo: baseline, crossOriginIsolated };
}
