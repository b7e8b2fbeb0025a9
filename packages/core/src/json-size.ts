/**
 * The largest action args, in bytes of their JSON (UTF-8): a quarter of the server's push body
 * limit (SYNC_LIMITS.body), so one action always fits in a push with room for its envelope and a
 * few neighbours. Checked when an action is called (before anything is journaled) and again by the
 * server, so an action the device accepted can never be one no push can carry.
 */
export const ACTION_ARGS_MAX_BYTES = 1024 * 1024;

/**
 * The UTF-8 size of `value` as JSON, in one pass over its serialisation (linear: no re-encoding
 * into a buffer, which would double the memory of a large value). `value` must be JSON already
 * (see findNonJson, which also bounds its depth, so the stringify cannot overflow the stack).
 */
export function jsonByteLength(value: unknown): number {
  const text = JSON.stringify(value) ?? 'null';
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    // Each half of a surrogate pair counts 2: together the 4 bytes of one astral character.
    // A lone surrogate is escaped by JSON.stringify (\udXXX), so it never reaches here.
    else if (code >= 0xd800 && code <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}
