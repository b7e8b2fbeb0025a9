import { useCallback, useState } from 'react';

/** Turns anything a rejected action or query throws (`{kind, message, details}`, Error, …) into text. */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && error.message) {
    return error.message;
  }
  return String(error);
}

export interface ErrorReport {
  /** The latest error's message, or null. */
  error: string | null;
  report: (error: unknown, context?: string) => void;
  dismiss: () => void;
}

/** Holds the latest error so the app can show it rather than swallow it. */
export function useErrorReport(): ErrorReport {
  const [error, setError] = useState<string | null>(null);
  const report = useCallback((e: unknown, context?: string) => {
    const message = describeError(e);
    console.error(context ?? 'Tandem action failed', e);
    setError(context ? `${context}: ${message}` : message);
  }, []);
  const dismiss = useCallback(() => setError(null), []);
  return { error, report, dismiss };
}
