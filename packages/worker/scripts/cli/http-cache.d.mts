/** `Cache-Control` for the bundle's content-hashed files (any path through an `immutable/` folder). */
export declare const CACHE_IMMUTABLE: 'public, max-age=31536000, immutable';
/** `Cache-Control` for everything else: use from the cache only after revalidating. */
export declare const CACHE_REVALIDATE: 'no-cache';
/** Cache-Control for a request path. */
export declare function cacheControlFor(pathname: string): typeof CACHE_IMMUTABLE | typeof CACHE_REVALIDATE;
/** A strong ETag (SHA-256 of the bytes), computed once per file size and mtime. */
export declare function fileEtag(file: string, info: { size: number; mtimeMs: number }): Promise<string>;
/** A strong ETag for bytes made per request. */
export declare function bytesEtag(bytes: string | Uint8Array): string;
/** Whether the client's copy is current (If-None-Match first, else If-Modified-Since). */
export declare function isNotModified(
  request: { ifNoneMatch?: string | null | undefined; ifModifiedSince?: string | null | undefined },
  response: { etag?: string | undefined; lastModified?: string | undefined },
): boolean;
