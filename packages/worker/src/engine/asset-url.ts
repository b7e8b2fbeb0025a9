import type { AssetFiles, EngineAssetName } from './engine.ts';

/** The folder `assetsUrl` names, as a base URL (a trailing slash added: `new URL` would drop its last segment). */
export function assetsBase(assetsUrl: string): URL {
  return new URL(assetsUrl.endsWith('/') ? assetsUrl : `${assetsUrl}/`, globalThis.location?.href);
}

/** Where one of an engine's files is: its renamed file (a content-hashed build) or its plain name, under `base`. */
export function assetUrl(base: URL, name: string, files: AssetFiles | undefined): URL {
  return new URL(files?.[name as EngineAssetName] ?? name, base);
}
