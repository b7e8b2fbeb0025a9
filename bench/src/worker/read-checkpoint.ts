/** The newest checkpoint Blob straight from Tandem's IndexedDB (raw IDB, no Dexie): B9b's baselines. */
export function readNewestCheckpoint(dbName: string): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const cursor = db.transaction('checkpoints', 'readonly').objectStore('checkpoints').openCursor(null, 'prev');
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        db.close();
        const value = cursor.result?.value as { image?: Blob } | undefined;
        if (value?.image) resolve(value.image);
        else reject(new Error(`no checkpoint in ${dbName}`));
      };
    };
  });
}
