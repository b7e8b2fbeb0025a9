import { unstorableText } from './text.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * How deeply arrays and objects may nest in action args (and in anything {@link findNonJson}
 * checks). Generous for app data (a rich-text document nests a few dozen levels); far below what
 * would cost the server noticeable time or the stack (Postgres's jsonb parser recurses too).
 */
export const JSON_MAX_DEPTH = 100;

export interface NonJson {
  /** Keys and indexes from the root to the offending value ([] for the root). */
  path: (string | number)[];
  reason: string;
}

/** One container being walked: its entries are visited in order, `next` is the one to visit. */
interface Frame {
  /** The key or index of this container in its parent (unused for the root). */
  key: string | number;
  container: unknown[] | Record<string, unknown>;
  keys: string[] | null;
  next: number;
}

function plainObject(value: object): string | null {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return null;
  return `${(proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object'} is not a plain JSON object`;
}

function scalarReason(value: unknown): string | null {
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${value} is not a finite number`;
  if (typeof value === 'string') {
    const bad = unstorableText(value);
    return bad ? `the string ${bad}, which the server's database cannot store` : null;
  }
  return `${typeof value} is not JSON`;
}

/**
 * Action args and results are journaled, replayed and pushed to the server, so they must be plain
 * JSON that Postgres can store: finite numbers, strings and keys without U+0000 or lone surrogates,
 * plain objects, and at most `maxDepth` levels of nesting. Returns the path of the first offending
 * value in document order, or null when `value` is fine.
 *
 * Iterative (no recursion to overflow) and linear in the size of `value`: the path is built only
 * when something is reported. A cycle is reported as too deep.
 */
export function findNonJson(value: unknown, maxDepth: number = JSON_MAX_DEPTH): NonJson | null {
  const stack: Frame[] = [];
  // The path to the value at `key` in the innermost container (null: the root itself).
  const pathTo = (key: string | number | null): (string | number)[] => {
    const path = stack.slice(1).map((f) => f.key);
    if (key !== null) path.push(key);
    return path;
  };
  // Checks `v`; a container is pushed, its entries are checked by the loop below.
  const visit = (v: unknown, key: string | number | null): NonJson | null => {
    if (typeof v !== 'object' || v === null) {
      const reason = scalarReason(v);
      return reason ? { path: pathTo(key), reason } : null;
    }
    if (stack.length >= maxDepth) return { path: pathTo(key), reason: `nesting is deeper than ${maxDepth} levels (the limit for JSON values)` };
    if (Array.isArray(v)) {
      stack.push({ key: key ?? '', container: v, keys: null, next: 0 });
      return null;
    }
    const notPlain = plainObject(v);
    if (notPlain) return { path: pathTo(key), reason: notPlain };
    stack.push({ key: key ?? '', container: v as Record<string, unknown>, keys: Object.keys(v), next: 0 });
    return null;
  };

  const rootBad = visit(value, null);
  if (rootBad) return rootBad;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { container, keys } = frame;
    if (keys === null) {
      const array = container as unknown[];
      if (frame.next >= array.length) {
        stack.pop();
        continue;
      }
      const i = frame.next++;
      const bad = visit(array[i], i);
      if (bad) return bad;
    } else {
      if (frame.next >= keys.length) {
        stack.pop();
        continue;
      }
      const k = keys[frame.next++]!;
      const keyBad = unstorableText(k);
      if (keyBad) return { path: pathTo(k), reason: `the key ${keyBad}, which the server's database cannot store` };
      const v = (container as Record<string, unknown>)[k];
      if (v === undefined) continue; // dropped by JSON.stringify, as everywhere else
      const bad = visit(v, k);
      if (bad) return bad;
    }
  }
  return null;
}
