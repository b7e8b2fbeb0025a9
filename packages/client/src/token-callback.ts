import { parseSyncToken } from '@tandem/core';
import type { TokenRequestMessage, TokenRequestReason } from '@tandem/core';

/**
 * The app's way to fetch a fresh sync token (`openTandem({ sync: { getToken } })`). Called when the
 * server refused the current token (`'unauthorized'`) or a JWT nears its `exp` (`'expiring'`).
 * Return the new token, or null when there is none (e.g. signed out): the worker then asks another
 * tab, and otherwise waits for the next refusal or `db.sync.setToken`.
 */
export type GetToken = (reason: TokenRequestReason) => Promise<string | null> | string | null;

/**
 * Answers the worker's token requests with the app's `getToken`. A callback that throws, or returns
 * anything but null or a token the worker accepts, answers null (the worker asks the next tab); the answer is never
 * left out, so the worker need not wait for its timeout. `use` keeps the token, so a fresh worker
 * gets it too.
 */
export function tokenResponder(getToken: GetToken, answer: (requestId: number, token: string | null) => Promise<void>, use: (token: string) => void): (request: TokenRequestMessage) => void {
  return (request) => {
    void (async () => {
      let token: string | null = null;
      try {
        const result = await getToken(request.reason);
        // The worker's rule, checked here: a token it would refuse must not be kept for a fresh worker either.
        if (result !== null && result !== undefined) token = parseSyncToken(result);
      } catch (error) {
        console.warn('[tandem] sync.getToken threw or gave no usable token; the worker asks another tab, or again later', error);
      }
      if (token !== null) use(token);
      try {
        await answer(request.requestId, token);
      } catch (error) {
        // E.g. the worker was closed (a newer version took over): its next refusal asks again.
        console.error('[tandem] could not hand the fresh sync token to the worker', error);
      }
    })();
  };
}
