/**
 * The app's auth hooks and how the server applies them. Tandem does not know about sessions or
 * token formats: `authenticate` maps a bearer token (or null) to a user, `canRead` decides per channel.
 */
import type { AuthUser } from '../sync/sync-store.ts';
import { forbidden, unauthorized } from './errors.ts';

/**
 * Maps a bearer token (null when the request carries none) to a user, or null to refuse.
 * `request` is the HTTP request (the WebSocket upgrade request for sockets), e.g. for cookies.
 */
export type Authenticate = (token: string | null, request: Request) => AuthUser | null | Promise<AuthUser | null>;

/** May `user` read (pull, be poked about) `channel`? Writes: `canWrite` (defaults to this rule). */
export type CanRead = (user: AuthUser, channel: string) => boolean | Promise<boolean>;

/**
 * The token of an `Authorization: Bearer <token>` header; null when there is no header. A header
 * of another form throws `unauthorized`; `name` is what the message calls the token.
 */
export function bearerToken(request: Request, name = 'token'): string | null {
  const header = request.headers.get('authorization');
  if (header === null) return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match?.[1]) throw unauthorized(`The Authorization header must be "Bearer <${name}>".`);
  return match[1];
}

/** Runs the hook; refuses with a message that says whether credentials were missing or rejected. */
export async function authenticateToken(authenticate: Authenticate, token: string | null, request: Request): Promise<AuthUser> {
  const user = await authenticate(token, request);
  if (user === null || user === undefined) {
    throw unauthorized(
      token === null
        ? 'Missing credentials: send an "Authorization: Bearer <token>" header (the socket sends the token in "hello").'
        : 'The token was not accepted (invalid or expired): get a new one and retry.',
    );
  }
  // A user without a stable id would let two people share a client's seqs: treat it as a bug.
  if (typeof user !== 'object' || typeof user.id !== 'string' || user.id === '') {
    throw new Error('authenticate() returned a user without a string `id`.');
  }
  return user;
}

/** Throws `forbidden` naming the first channel `user` may not read. */
export async function assertCanRead(canRead: CanRead, user: AuthUser, channels: readonly string[]): Promise<void> {
  const allowed = await Promise.all(channels.map((channel) => canRead(user, channel)));
  const denied = channels.find((_, i) => allowed[i] !== true);
  if (denied !== undefined) {
    throw forbidden(`You may not read channel ${JSON.stringify(denied)}: remove it from your subscription or ask for access.`, { channel: denied });
  }
}
