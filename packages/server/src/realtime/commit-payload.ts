/**
 * The NOTIFY payload that carries a (coalesced) commit between server instances:
 * `{"i": instanceId, "v": version, "c": [channels…]}` or, when the channel list would not fit,
 * `{"i", "v", "all": true}` (every socket pulls; correct, only less precise).
 */
import type { PokeScope } from './poke-hub.ts';

/** Postgres rejects NOTIFY payloads of 8000 bytes or more; stay well below. */
export const MAX_PAYLOAD_BYTES = 7000;

export interface CommitMessage {
  instanceId: string;
  version: number;
  scope: PokeScope;
}

export function encodeCommitMessage(message: CommitMessage): string {
  const { instanceId: i, version: v, scope } = message;
  if (scope !== 'all') {
    const text = JSON.stringify({ i, v, c: scope });
    if (Buffer.byteLength(text) <= MAX_PAYLOAD_BYTES) return text;
  }
  return JSON.stringify({ i, v, all: true });
}

/** Returns null for anything that is not a commit message (another program may share the channel). */
export function decodeCommitMessage(payload: string): CommitMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const o = value as Record<string, unknown>;
  if (typeof o.i !== 'string' || typeof o.v !== 'number' || !Number.isSafeInteger(o.v) || o.v < 0) return null;
  if (o.all === true) return { instanceId: o.i, version: o.v, scope: 'all' };
  if (!Array.isArray(o.c) || !o.c.every((c) => typeof c === 'string')) return null;
  return { instanceId: o.i, version: o.v, scope: o.c as string[] };
}
