/**
 * What a string must be to reach Postgres. `text` and `jsonb` refuse U+0000, and `jsonb` refuses
 * a lone UTF-16 surrogate (`"\ud800"` is invalid JSON text to it; a driver encoding the string as
 * UTF-8 would silently turn it into U+FFFD instead, so the row would differ from the client's).
 * Both ends check with these, so a client never queues what the server must refuse.
 *
 * Every check is one regular-expression scan with fixed-width look-arounds: linear in the length.
 */

/** U+0000, or a surrogate that is not half of a pair. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** As UNSTORABLE, plus the C0 and C1 control characters and DEL: none belongs in a name or a token. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describe(text: string, match: RegExpExecArray): string {
  const code = text.charCodeAt(match.index);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = code >= 0xd800 && code <= 0xdfff ? `a lone UTF-16 surrogate (${hex})` : code === 0 ? 'U+0000 (NUL)' : `a control character (${hex})`;
  return `contains ${what} at index ${match.index}`;
}

/** Why Postgres could not store `text` (text or jsonb), or null when it can. */
export function unstorableText(text: string): string | null {
  const match = UNSTORABLE.exec(text);
  return match ? describe(text, match) : null;
}

/** Why `text` is unfit for a name (action, channel) or a token: unstorable or a control character; null when fine. */
export function unprintableText(text: string): string | null {
  const match = UNPRINTABLE.exec(text);
  return match ? describe(text, match) : null;
}

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/**
 * `text` with every U+0000 and lone surrogate replaced by U+FFFD: for what the server stores but
 * did not receive from the client and must not refuse (an action's error message).
 */
export function toStorableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, '\ufffd') : text;
}
