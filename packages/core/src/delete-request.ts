/**
 * The messages of `deleteDatabase` on the BroadcastChannel `deleteChannelName(database)`: a tab
 * asks whichever worker holds the database to let it go; that worker answers `released` (it closed
 * the runtime and freed the database lock: the tab may delete it) or `open` (tabs still use it).
 */
export interface DeleteRequest {
  type: 'delete';
  id: string;
}

export interface DeleteAnswer {
  type: 'released' | 'open';
  id: string;
  /** With `open`: how many tabs have the database open. */
  tabs: number;
}

/** Another context of this origin posts on the channel: anything malformed is ignored (null). */
export function parseDeleteMessage(data: unknown): DeleteRequest | DeleteAnswer | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > 100) return null;
  if (m.type === 'delete') return { type: 'delete', id: m.id };
  if ((m.type === 'released' || m.type === 'open') && typeof m.tabs === 'number' && Number.isInteger(m.tabs) && m.tabs >= 0) return { type: m.type, id: m.id, tabs: m.tabs };
  return null;
}
