export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Action args and results are journaled, replayed and (later) pushed to the server, so they must be
 * plain JSON. Returns the path of the first offending value, or null when `value` is JSON.
 */
export function findNonJson(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; reason: string } | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, reason: `${value} is not a finite number` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findNonJson(value[i], [...path, i]);
      if (bad) return bad;
    }
    return null;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      return { path, reason: `${proto?.constructor?.name ?? 'object'} is not a plain JSON object` };
    }
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const bad = findNonJson(v, [...path, k]);
      if (bad) return bad;
    }
    return null;
  }
  return { path, reason: `${typeof value} is not JSON` };
}
