/**
 * Server socket messages whose `changes` are already JSON text: the server receives a commit's
 * changes from Postgres as text and splices them into the frame as they are, instead of parsing
 * them and serialising them again for every commit. The receiving end parses and validates the
 * frame with `parseServerSocketMessage` like any other (the text is the other program's).
 */
import type { PushResponse, ServerSocketMessage } from './sync-protocol.ts';

/**
 * A `poke` of commit `version`; with `changesJson` (the JSON text of a non-empty `Change[]`, all of
 * that commit) it carries them.
 */
export function pokeFrame(version: number, changesJson?: string): string {
  const head = JSON.stringify({ type: 'poke', version } satisfies ServerSocketMessage);
  if (changesJson === undefined) return head;
  return `${head.slice(0, -1)},"changes":${changesJson}}`;
}

/** A `pushed` answer; with `changesJson` (the commit's changes as JSON text) its response carries them. */
export function pushedFrame(id: number, response: Omit<PushResponse, 'changes'>, changesJson?: string): string {
  const text = JSON.stringify({ type: 'pushed', id, response } satisfies ServerSocketMessage);
  if (changesJson === undefined) return text;
  // The frame ends with the response object's `}` and then the message's.
  return `${text.slice(0, -2)},"changes":${changesJson}}}`;
}
