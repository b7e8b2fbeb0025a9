import { ErrorKind, isTandemErrorData, parsePullResponse, parsePushResponse, TandemError } from '@tandem/core';
import type { PullRequest, PullResponse, PushRequest, PushResponse } from '@tandem/core';

export interface SyncTransport {
  push(request: PushRequest): Promise<PushResponse>;
  pull(request: PullRequest): Promise<PullResponse>;
}

/** Requests that take longer than this count as a lost server (a SharedWorker gets no offline events). */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * HTTP push/pull against a Tandem server. Every failure becomes a TandemError: `sync_failed` when
 * the server could not be reached or broke (retry), or the server's own `{kind, message}` for a 4xx
 * (`unauthorized`, `forbidden`, `invalid_request`…), with the HTTP status in `details`.
 */
export function createHttpTransport(baseUrl: string, token: () => string | undefined, fetchImpl: typeof fetch = fetch): SyncTransport {
  async function post(path: string, body: unknown): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const why = (error as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (error as Error).message;
      throw new TandemError(ErrorKind.syncFailed, `Cannot reach the sync server at ${baseUrl} (${why}); retrying.`);
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch {
      payload = undefined;
    }
    if (!response.ok) {
      if (isTandemErrorData(payload)) throw new TandemError(payload.kind, `Sync server: ${payload.message}`, { status: response.status, ...(payload.details !== undefined ? { details: payload.details } : {}) });
      throw new TandemError(ErrorKind.syncFailed, `Sync server answered ${response.status} ${response.statusText} to ${path}.`, { status: response.status });
    }
    if (payload === undefined) throw new TandemError(ErrorKind.syncFailed, `Sync server sent a non-JSON answer to ${path}.`);
    return payload;
  }

  return {
    async push(request) {
      return parsePushResponse(await post('/push', request));
    },
    async pull(request) {
      return parsePullResponse(await post('/pull', request));
    },
  };
}

/** Errors worth retrying soon; others (a 4xx other than 408/429) wait for the cap or a new token. */
export function isTransient(error: unknown): boolean {
  if (!isTandemErrorData(error)) return true;
  const status = (error.details as { status?: number } | undefined)?.status;
  // A server older than this app is being deployed, most likely: it will answer soon.
  if (error.kind === ErrorKind.syncFailed || error.kind === ErrorKind.serverOutdated) return true;
  return status === undefined || status >= 500 || status === 408 || status === 429;
}
