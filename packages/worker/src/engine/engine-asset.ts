import { ErrorKind, TandemError } from '@tandem/core';
import type { EngineName } from '@tandem/core';
import { ENGINE_LABEL } from './engine-label.ts';

const COPY_FIX =
  'Copy every file of the Tandem worker bundle next to tandem-worker.js (`npx tandem-worker copy-assets <dir>` copies them all, .wasm and .data included), or point the engine\'s assetsUrl at the folder that has them.';
const MIME_FIX = 'Serve .wasm files with `Content-Type: application/wasm` (add that mapping to the server or CDN config).';

/**
 * Fetches one of an engine's wasm or data files and refuses, with a message naming the engine, the
 * URL, what the server answered and the fix, anything that cannot be it. It only looks at the
 * response the engine needs anyway, so a correct start-up pays nothing for the checks.
 */
export async function fetchEngineAsset(engine: EngineName, url: URL): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw assetError(engine, url, `could not be fetched (${messageOf(error)}): the server did not answer, or the request was blocked (offline, CORS, a content security policy)`, COPY_FIX, {});
  }
  const contentType = response.headers.get('content-type');
  if (!response.ok) {
    void response.body?.cancel().catch(() => {});
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw assetError(engine, url, `answered HTTP ${status}`, COPY_FIX, { status: response.status });
  }
  if (contentType && /^text\/html\b/i.test(contentType)) {
    // A single-page app's server answers every unknown path with its index.html, status 200.
    void response.body?.cancel().catch(() => {});
    throw assetError(engine, url, `is served as ${contentType}: an HTML page, not the engine's file (usually the server's fallback page for a path it does not have)`, `${COPY_FIX} ${MIME_FIX}`, { status: response.status, contentType });
  }
  return response;
}

/**
 * An engine's .wasm, compiled while it downloads. A Content-Type other than application/wasm is
 * refused rather than compiled from an ArrayBuffer: see docs/decisions.md "Wrong MIME type".
 */
export async function compileEngineWasm(engine: EngineName, url: URL): Promise<WebAssembly.Module> {
  const response = await fetchEngineAsset(engine, url);
  const contentType = response.headers.get('content-type');
  if (!contentType || !/^application\/wasm\b/i.test(contentType)) {
    void response.body?.cancel().catch(() => {});
    throw assetError(engine, url, `is served as ${contentType ?? 'no Content-Type'}, but WebAssembly must be served as application/wasm to be compiled`, MIME_FIX, { status: response.status, contentType });
  }
  try {
    return await WebAssembly.compileStreaming(response);
  } catch (error) {
    throw assetError(engine, url, `is not valid WebAssembly (${messageOf(error)}): the file is damaged or from another version of the bundle`, COPY_FIX, { status: response.status, contentType });
  }
}

function assetError(engine: EngineName, url: URL, what: string, fix: string, details: { status?: number; contentType?: string | null }): TandemError {
  return new TandemError(ErrorKind.notReady, `The ${ENGINE_LABEL[engine]} could not start: ${url.href} ${what}. ${fix}`, { engine, url: url.href, ...details });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
