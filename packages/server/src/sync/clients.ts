import { ErrorKind, TandemError, unstorableText } from '@tandem/core';
import type { AuthUser } from './sync-store.ts';

/** The client id of actions the server invokes itself; no client may push as it. */
export const SERVER_CLIENT_ID = 'server';

/**
 * Registers the client (first user wins) or locks its row until the transaction ends, which
 * serialises pushes of one client; returns its owner and last processed seq. $1 client, $2 user.
 */
export const LOCK_CLIENT_SQL = `
insert into tandem_clients (client_id, user_id) values ($1, $2)
on conflict (client_id) do update set user_id = tandem_clients.user_id
returning user_id, last_seq
`;

export function checkUser(user: AuthUser): void {
  if (typeof user !== 'object' || user === null || typeof user.id !== 'string' || user.id.length === 0) {
    throw new TandemError(ErrorKind.unauthorized, 'No authenticated user: the auth hook must resolve a user with a non-empty string id.');
  }
  // The id is stored as the client's owner: one Postgres cannot store would fail every push.
  const bad = unstorableText(user.id);
  if (bad) throw new TandemError(ErrorKind.unauthorized, `The auth hook resolved a user id that ${bad}; user ids must be text Postgres can store.`);
}

export function forbiddenClient(clientId: string): TandemError {
  return new TandemError(
    ErrorKind.forbidden,
    clientId === SERVER_CLIENT_ID
      ? `Client id "${SERVER_CLIENT_ID}" is reserved for actions the server invokes; use another client id.`
      : `Client id "${clientId}" belongs to another user; each device keeps its own client id.`,
    { clientId },
  );
}
