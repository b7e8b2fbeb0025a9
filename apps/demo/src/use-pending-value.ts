import { useCallback, useRef, useState } from 'react';

/**
 * Shows a value the user just chose (a checkbox's new state) until the action that writes it
 * settles; by then the live query has delivered the stored value. Without this, a controlled
 * checkbox snaps back to its old state for the few milliseconds the action takes.
 */
export function usePendingValue<T>(actual: T): [T, (next: T, work: Promise<unknown>) => void] {
  const [pending, setPending] = useState<{ value: T } | null>(null);
  const latest = useRef(0);
  const set = useCallback((next: T, work: Promise<unknown>) => {
    const n = ++latest.current;
    setPending({ value: next });
    const settle = () => {
      if (latest.current === n) setPending(null);
    };
    work.then(settle, settle);
  }, []);
  return [pending ? pending.value : actual, set];
}
