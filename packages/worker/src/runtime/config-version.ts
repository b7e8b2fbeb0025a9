import type { TandemConfig } from '@tandem/core';

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 16);
}

/** Identity of the data layout: a stored database is only valid for the schema that built it. */
export function schemaVersion(config: TandemConfig): Promise<string> {
  return sha256Hex(`${config.engine ?? 'pglite'}\n${config.schema}`);
}

/** Identity of a running worker: tabs must agree on engine, schema and actions to share it. */
export function runtimeVersion(config: TandemConfig): Promise<string> {
  // The sync token is left out on purpose: tabs may bring a fresher one to the same worker.
  const sync = config.sync ? `\n${JSON.stringify(config.channels ?? {})}\n${config.sync.url}` : '';
  return sha256Hex(`${config.engine ?? 'pglite'}\n${config.schema}\n${config.actionsUrl}\n${config.name ?? 'tandem'}${sync}`);
}
