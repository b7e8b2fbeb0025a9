/**
 * B10's in-worker profile, installed only in B10's Tandem workers (SharedWorker name `tandem:b10-*`,
 * so no other benchmark pays for it): every PGlite wire round trip (`execProtocolRawSync`) and every
 * journal `append`, with absolute start times, so the page can place them on the sync's timeline.
 */
import { PGlite } from '@electric-sql/pglite';
import { DexieJournalStore } from '@tandem/worker';

export interface ProfiledCall {
  kind: 'engine' | 'journal';
  at: number;
  ms: number;
  /** Engine: the printable start of the protocol message (statement text or name); journal: record kinds. */
  what: string;
}

export const b10Calls: ProfiledCall[] = [];
const abs = () => performance.timeOrigin + performance.now();
const decoder = new TextDecoder('latin1');

function describe(msg: Uint8Array): string {
  return decoder.decode(msg.subarray(0, 160)).replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 90);
}

export function installB10Profile(): void {
  const proto = PGlite.prototype as unknown as { execProtocolRawSync: (this: unknown, msg: Uint8Array) => Uint8Array };
  const rawSync = proto.execProtocolRawSync;
  proto.execProtocolRawSync = function (msg) {
    const at = abs();
    const t0 = performance.now();
    try {
      return rawSync.call(this, msg);
    } finally {
      const ms = performance.now() - t0;
      if (b10Calls.length < 5000) b10Calls.push({ kind: 'engine', at, ms, what: ms >= 2 ? describe(msg) : '' });
    }
  };
  const store = DexieJournalStore.prototype as unknown as { append: (this: unknown, records: { kind: string }[]) => Promise<number[]> };
  const append = store.append;
  store.append = async function (records) {
    const at = abs();
    const t0 = performance.now();
    try {
      return await append.call(this, records);
    } finally {
      b10Calls.push({ kind: 'journal', at, ms: performance.now() - t0, what: records.map((r) => r.kind).join(',') });
    }
  };
}
