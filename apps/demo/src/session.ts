import { getProfileValue, setProfileValue } from './profile-store.ts';

const TOKEN_KEY = 'token';

/**
 * This browser profile's sync token: each profile is its own anonymous user. The server signs it
 * (`POST /api/session`); it is kept in IndexedDB (see profile-store.ts) so the profile stays the same user.
 * Resolves null when the server cannot be reached (the app works offline and retries later).
 */
export async function sessionToken(): Promise<string | null> {
  // Tabs opened together on a first visit must not become two users (the worker would then be
  // one user's client, refused for the other): one tab at a time asks, the others read its answer.
  const locks = navigator.locks;
  return locks ? locks.request('tandem-demo:session', () => readOrCreateToken()) : readOrCreateToken();
}

async function readOrCreateToken(): Promise<string | null> {
  const stored = await getProfileValue(TOKEN_KEY).catch(() => null);
  if (stored) return stored;
  try {
    const response = await fetch('/api/session', { method: 'POST' });
    if (!response.ok) return null;
    const { token } = (await response.json()) as { token?: unknown };
    if (typeof token !== 'string') return null;
    await setProfileValue(TOKEN_KEY, token);
    return token;
  } catch {
    return null;
  }
}

/** Keeps asking for a token until the server answers; then hands it to `use`. */
export function retrySessionToken(use: (token: string) => void, everyMs = 3000): () => void {
  let stopped = false;
  const attempt = async () => {
    if (stopped) return;
    const token = await sessionToken();
    if (token) use(token);
    else if (!stopped) setTimeout(attempt, everyMs);
  };
  setTimeout(attempt, everyMs);
  return () => {
    stopped = true;
  };
}
