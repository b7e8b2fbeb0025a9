/**
 * Asks the browser to keep this origin's storage (`navigator.storage.persist()`): without it, the
 * browser may evict IndexedDB, and with it the journal, under storage pressure. Chrome grants or
 * refuses silently (by engagement, an installed app, bookmarks); Firefox may prompt the user.
 * `persist()` exists only in windows, so the tab asks, not the worker.
 *
 * @returns whether storage is persistent; null when the browser has no such API or refused to
 * answer. Never throws: a refusal must not keep the app from opening.
 */
export async function requestPersistentStorage(): Promise<boolean | null> {
  try {
    const storage = (globalThis.navigator as Navigator | undefined)?.storage;
    if (typeof storage?.persist !== 'function') return null;
    const granted = await storage.persist();
    return typeof granted === 'boolean' ? granted : null;
  } catch {
    return null;
  }
}
