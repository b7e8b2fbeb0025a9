import { describe, expect, it } from 'vitest';
import { DexieJournalStore } from '../store/dexie-journal-store.ts';
import { FirstStartImage } from './first-start-image.ts';

const image = new Blob(['image']);
/** A download that counts its calls. */
function download() {
  const counted = { calls: 0, load: async () => (counted.calls++, image) };
  return counted;
}

describe("FirstStartImage: a new database's empty image is downloaded as the first tab names it", () => {
  it('a database IndexedDB does not hold: downloaded at once, and the start takes that download', async () => {
    const images = new FirstStartImage();
    const early = download();
    const late = download();
    images.prefetch(`new-${crypto.randomUUID()}`, Promise.resolve(early.load));
    await expect.poll(() => early.calls).toBe(1);
    // A prefetch for another name replaces it; the start of that name takes its download.
    const name = `new-${crypto.randomUUID()}`;
    images.prefetch(name, Promise.resolve(early.load));
    await expect(images.loader(name, late.load)()).resolves.toBe(image);
    expect([early.calls, late.calls]).toEqual([2, 0]);
    // Taken once: a later start (a reopen) downloads for itself.
    await expect(images.loader(name, late.load)()).resolves.toBe(image);
    expect([early.calls, late.calls]).toEqual([2, 1]);
  });

  it('a database IndexedDB holds: nothing is downloaded early, the start asks for itself', async () => {
    const name = `old-${crypto.randomUUID()}`;
    const store = new DexieJournalStore(name);
    await store.setMeta('clientId', 'c'); // creates the journal database
    try {
      const images = new FirstStartImage();
      const early = download();
      const late = download();
      images.prefetch(name, Promise.resolve(early.load));
      // The loader waits for the prefetch's decision before it downloads.
      await expect(images.loader(name, late.load)()).resolves.toBe(image);
      expect([early.calls, late.calls]).toEqual([0, 1]);
    } finally {
      store.close();
    }
  });

  it("an early download that failed is not the start's failure: it downloads again", async () => {
    const images = new FirstStartImage();
    const name = `new-${crypto.randomUUID()}`;
    images.prefetch(name, Promise.resolve(() => Promise.reject(new Error('offline'))));
    const late = download();
    await expect(images.loader(name, late.load)()).resolves.toBe(image);
    expect(late.calls).toBe(1);
  });
});
