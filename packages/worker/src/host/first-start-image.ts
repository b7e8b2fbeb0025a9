import { journalDatabaseName } from '@tandem/core';

type LoadImage = () => Promise<Blob | undefined>;

/**
 * A first start's empty image (PGlite's, ~9.5 MB), downloaded from the moment a tab names a
 * database IndexedDB does not hold yet, instead of once the runtime has taken the lock, loaded the
 * actions and read the journal store to find no checkpoint: the download overlaps all of that
 * (200–700 ms of a ~4 s first tab waited for it). `indexedDB.databases()` only lists names; it
 * opens nothing, so it cannot block an upgrade or a hand-over. Where it is missing, the runtime
 * downloads the image itself, as before.
 */
export class FirstStartImage {
  #early: { name: string; image: Promise<Blob | undefined> } | null = null;

  /** Starts the download when `name` has no journal database yet; `load` comes with the engine. */
  prefetch(name: string, load: Promise<LoadImage | undefined>): void {
    if (this.#early?.name === name) return;
    let listing: Promise<IDBDatabaseInfo[]> | undefined;
    try {
      listing = globalThis.indexedDB?.databases?.();
    } catch {
      return; // no listing here (an opaque origin): the runtime's own download
    }
    if (!listing) return;
    const journal = journalDatabaseName(name);
    const image = listing.then(async (databases) => (databases.some((db) => db.name === journal) ? undefined : (await load)?.()));
    image.catch(() => {}); // the start that takes it falls back to its own download
    this.#early = { name, image };
  }

  /** The runtime's `emptyImage` for `name`: the early download if there was one, else `load`. */
  loader(name: string, load: LoadImage): LoadImage {
    return async () => {
      const early = this.#early?.name === name ? this.#early : null;
      if (early) this.#early = null;
      const image = early ? await early.image.catch(() => undefined) : undefined;
      return image ?? load();
    };
  }
}
