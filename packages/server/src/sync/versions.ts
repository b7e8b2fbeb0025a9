import { ErrorKind, TandemError } from '@tandem/core';

/**
 * The rules between a client at schema version `client` (its number of migrations; absent on the
 * wire = 0) and this server at `server`. Pushes from an older client still run (their args are
 * upgraded), so its queued work is never lost; everything else needs both at the same version.
 */

function serverOutdated(client: number, server: number): TandemError {
  return new TandemError(
    ErrorKind.serverOutdated,
    `This app is at schema version ${client} but the server is at ${server}: the server has not been updated yet. Local changes stay queued; retry later.`,
    { clientVersion: client, serverVersion: server },
  );
}

function updateRequired(client: number, server: number): TandemError {
  return new TandemError(
    ErrorKind.updateRequired,
    `This app is older than the server (schema version ${client}; the server is at ${server}): reload to get the new version. Local changes are still pushed meanwhile.`,
    { clientVersion: client, serverVersion: server },
  );
}

/** A push: refused only from a newer client (the server could not run what it means). */
export function checkPushVersion(client: number, server: number): void {
  if (client > server) throw serverOutdated(client, server);
}

/** A pull or a socket subscription: the changes it gets are rows of the server's schema. */
export function checkReadVersion(client: number, server: number): void {
  if (client > server) throw serverOutdated(client, server);
  if (client < server) throw updateRequired(client, server);
}
