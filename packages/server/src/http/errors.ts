/**
 * Errors leave the server as `{kind, message, details?}` with a status derived from `kind`.
 * Anything that is not a TandemError is a bug or an outage: it is logged and answered with a generic
 * 500 so internals (SQL, stack traces) never reach clients.
 */
import { ErrorKind, TandemError, isTandemErrorData, toErrorData } from '@tandem/core';
import type { TandemErrorData } from '@tandem/core';

export interface Logger {
  error(message: string, error?: unknown): void;
}

export const consoleLogger: Logger = {
  error: (message, error) => console.error(`[tandem] ${message}`, error ?? ''),
};

const statusByKind: Partial<Record<string, number>> = {
  [ErrorKind.unauthorized]: 401,
  [ErrorKind.forbidden]: 403,
  [ErrorKind.tooLarge]: 413,
  [ErrorKind.invalidRequest]: 400,
  [ErrorKind.invalidArgs]: 400,
  [ErrorKind.unknownAction]: 400,
  [ErrorKind.versionMismatch]: 409,
  // Client and server schema versions disagree: the client reloads (update_required) or keeps its
  // work queued and retries (server_outdated). Neither is the request's fault nor the server's.
  [ErrorKind.updateRequired]: 409,
  [ErrorKind.serverOutdated]: 409,
  // An action that refused its input (from `invoke` in an app's route): the request was well formed,
  // the app said no. The message is the action's own, as a push's rejection carries it.
  [ErrorKind.actionFailed]: 422,
};

export type ErrorStatus = 400 | 401 | 403 | 409 | 413 | 422 | 500;

/** The status and body for `error`; logs it when it is unexpected. */
export function describeError(error: unknown, logger: Logger, where: string): { status: ErrorStatus; body: TandemErrorData } {
  const status = isTandemErrorData(error) ? (statusByKind[error.kind] as ErrorStatus | undefined) : undefined;
  if (status !== undefined) return { status, body: toErrorData(error) };
  logger.error(`${where} failed unexpectedly:`, error);
  return {
    status: 500,
    body: { kind: ErrorKind.internal, message: 'The server failed to handle this request (the error is logged there). Retry later.' },
  };
}

export const unauthorized = (message: string): TandemError => new TandemError(ErrorKind.unauthorized, message);
export const forbidden = (message: string, details?: unknown): TandemError => new TandemError(ErrorKind.forbidden, message, details);
export const invalidRequest = (message: string, details?: unknown): TandemError => new TandemError(ErrorKind.invalidRequest, message, details);
export const tooLarge = (message: string): TandemError => new TandemError(ErrorKind.tooLarge, message);
