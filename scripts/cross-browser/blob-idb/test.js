export async function tryStore(where) {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(`xb-blob-${where}`, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('s');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const put = (key, value) =>
    new Promise((resolve) => {
      const tx = db.transaction('s', 'readwrite');
      const req = tx.objectStore('s').put(value, key);
      req.onerror = (e) => {
        e.preventDefault();
        resolve(`${req.error?.name}: ${req.error?.message}`);
      };
      tx.oncomplete = () => resolve('ok');
      tx.onerror = () => resolve(`${tx.error?.name}: ${tx.error?.message}`);
      tx.onabort = () => resolve(`abort ${tx.error?.name}: ${tx.error?.message}`);
    });
  const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
  const blob = await put('blob', new Blob([bytes]));
  const buffer = await put('buffer', bytes.buffer);
  db.close();
  return { blob, arrayBuffer: buffer };
}
