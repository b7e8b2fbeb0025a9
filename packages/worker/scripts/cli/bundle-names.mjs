// How the prebuilt bundle names its files: the entry scripts keep their names (a SharedWorker is
// identified by its script URL; a page imports tandem-client.js by name), everything else is in
// IMMUTABLE_DIR under a name that carries its content hash, so servers can cache it for good.
// Shared by the build, copy-assets, the bench and the tests, so they agree on the pattern.
import { createHash } from 'node:crypto';

/** The bundle's folder of content-hashed files (esbuild's chunks and the engines' files). */
export const IMMUTABLE_DIR = 'immutable';

/** `pglite.wasm` + its bytes → `pglite-<16 hex of sha256>.wasm`. */
export function contentHashedName(name, bytes) {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dot = name.indexOf('.');
  return `${name.slice(0, dot)}-${hash}${name.slice(dot)}`;
}

/** The plain name of a file `contentHashedName` named (`pglite-0123456789abcdef.wasm` → `pglite.wasm`), else the name as is. */
export function plainName(name) {
  return name.replace(/-[0-9a-f]{16}(?=\.)/, '');
}
