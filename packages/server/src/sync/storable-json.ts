/**
 * Values the server writes to jsonb without having validated them as input: a rejection's error
 * (an action's message and details are the app's code, and may quote anything). Postgres refuses
 * U+0000 and lone surrogates in jsonb, and that refusal would abort the whole push, every time the
 * client retried it. So such characters are stored as U+FFFD instead of failing the commit.
 */
import { toStorableText, unstorableText } from '@tandem/core';

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (!keys.some((k) => unstorableText(k) !== null)) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys) out[toStorableText(k)] = (value as Record<string, unknown>)[k];
  return out;
}

/** A copy of `value` as JSON would carry it, with every string and key storable. */
export function storableJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, replacer)) as T;
}
