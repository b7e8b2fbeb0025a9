/** B13 (start-up across a migration) and B14 (hand-off to a new version). Each runs in a fresh page. */
import type { EngineName } from '@tandem/core';
import { engineConfig } from '../config.ts';
import { firstResult, now, open, RawPort } from './common.ts';

interface Opts {
  name: string;
  engine?: EngineName;
  /** Which build of the actions module the page brings: actions.js, actions-next.js, actions-alt.js. */
  actionsFile: string;
}

const COUNT_SQL: Record<EngineName, string> = {
  pglite: 'select count(*)::int as n from todos',
  sqlite: 'select count(*) as n from todos',
};

/** openTandem() with the given actions module → first live result, and the worker's log lines about it. */
export async function b13Open(opts: Opts) {
  const t0 = now();
  const db = await open(opts.name, { ...engineConfig(opts.engine), actionsUrl: new URL(opts.actionsFile, location.href).href });
  const opened = now();
  const first = await firstResult(db, COUNT_SQL[opts.engine ?? 'pglite']);
  const status = await db.status();
  const raw = new RawPort(opts.name);
  const tl = await raw.request<{ logs: { at: number; message: string }[] }>({ bench: 'timeline' });
  raw.close();
  return {
    ms: first.at - t0,
    openMs: opened - t0,
    n: (first.rows[0] as { n: number }).n,
    schemaVersion: status.schemaVersion,
    version: status.version,
    log: tl.logs.map((l) => l.message).filter((m) => /migrat|engine ready|checkpoint|hand/i.test(m)).slice(-6),
  };
}
