import { ErrorKind, SYNC_LIMITS, TandemError } from '@tandem/core';

/** How many ids one acknowledgement may carry (the list itself holds at most 1000). */
const MAX_IDS = 10_000;

/** The ids of `acknowledgeRejections`: a tab is another program and may send anything. */
export function parseAcknowledgedIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.length > MAX_IDS) {
    throw new TandemError(ErrorKind.invalidRequest, `acknowledgeRejections expects an array of up to ${MAX_IDS} action ids (the \`id\` of each rejection).`);
  }
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > SYNC_LIMITS.idLength) {
      throw new TandemError(ErrorKind.invalidRequest, `acknowledgeRejections: ids[${i}] must be a rejection's action id (a non-empty string of at most ${SYNC_LIMITS.idLength} characters).`);
    }
  });
  return ids as string[];
}
