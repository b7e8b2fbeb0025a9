const INTERACTIONS = ['pointerdown', 'keydown'] as const;

/**
 * Asks for persistent storage on the user's first interaction with the page (at once if the
 * page has user activation already, not at all if storage is persistent already). Firefox shows a
 * permission prompt for `persist()` and leaves one asked without a user gesture pending; a prompt
 * that follows the user's own action is also the less surprising one. Chrome decides silently
 * either way. Returns a cancel function (for `db.close()`).
 */
export function requestPersistentStorageOnInteraction(): () => void {
  const nav = globalThis.navigator as (Navigator & { userActivation?: { isActive: boolean } }) | undefined;
  const target = globalThis as unknown as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
  if (typeof nav?.storage?.persist !== 'function' || typeof target.addEventListener !== 'function') return () => {};
  let done = false;
  const ask = () => {
    cancel();
    void requestPersistentStorage();
  };
  const cancel = () => {
    if (done) return;
    done = true;
    for (const type of INTERACTIONS) target.removeEventListener!(type, ask, { capture: true });
  };
  for (const type of INTERACTIONS) target.addEventListener(type, ask, { capture: true, passive: true });
  void nav.storage.persisted?.().then(
    (persisted) => {
      if (persisted) cancel();
      else if (!done && nav.userActivation?.isActive) ask();
    },
    () => {},
  );
  return cancel;
}

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
