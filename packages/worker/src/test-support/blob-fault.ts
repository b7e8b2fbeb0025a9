/**
 * Makes IndexedDB refuse Blob values in this page as WebKit's ephemeral sessions do (Safari's
 * private browsing; WebKitGTK under automation): a put or add whose value holds a Blob (as itself
 * or one of its own properties) fails with `UnknownError: Error preparing Blob/File data to be
 * stored in object store`; other values are stored. Chromium stores Blobs, so tests need this.
 */
export function refuseBlobsInIndexedDB(): { restore: () => void; refusals: () => number } {
  const proto = IDBObjectStore.prototype;
  const originals = { put: proto.put, add: proto.add };
  let refusals = 0;
  const holdsBlob = (value: unknown) =>
    value instanceof Blob || (typeof value === 'object' && value !== null && Object.values(value).some((v) => v instanceof Blob));
  for (const method of ['put', 'add'] as const) {
    proto[method] = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (holdsBlob(value)) {
        refusals++;
        throw new DOMException('Error preparing Blob/File data to be stored in object store', 'UnknownError');
      }
      return originals[method].call(this, value, key);
    };
  }
  return {
    restore: () => Object.assign(proto, originals),
    refusals: () => refusals,
  };
}
