import { useRef } from 'react';

/**
 * The previous params array while every element is the same value, so an effect keyed on it does
 * not re-subscribe on each render of `[a, b]` written inline. Elements compare with `Object.is`
 * (any JS value passes through as it is, bigint included), except that Dates compare by time and
 * Uint8Arrays by bytes: `[new Date(t)]` inline is a new object each render, and comparing it by
 * identity would re-subscribe forever (each subscribe's rows re-render the component).
 */
export function useStableParams(params: readonly unknown[]): readonly unknown[] {
  const ref = useRef(params);
  if (!sameParams(ref.current, params)) ref.current = params;
  return ref.current;
}

export function sameParams(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((byte, i) => byte === b[i]);
  return false;
}
