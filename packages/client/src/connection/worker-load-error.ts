/**
 * A SharedWorker that fails to load fires an `error` event that says nothing (no status, no URL,
 * no reason), by design of the platform. To tell the developer what to fix, fetch the script
 * ourselves and describe what the server answered.
 */
const JS_TYPES = /^(text|application)\/(javascript|ecmascript|x-javascript)\b/i;

export async function explainWorkerLoadFailure(url: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const fix = 'Copy the prebuilt bundle with `npx tandem-worker copy-assets <your static dir>/tandem` and pass its `tandem-worker.js` URL as `worker`.';
  let response: Response;
  try {
    response = await fetchImpl(url, { cache: 'no-store' });
  } catch (error) {
    return `The Tandem worker script ${url} could not be fetched (${(error as Error).message ?? String(error)}). Check the URL and that the page's server is running. ${fix}`;
  }
  void response.body?.cancel().catch(() => {});
  if (!response.ok) {
    return `The Tandem worker could not start: ${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}. ${fix}`;
  }
  const type = response.headers.get('content-type') || 'no Content-Type';
  if (!JS_TYPES.test(type)) {
    return `The Tandem worker could not start: ${url} is served as ${type}, but a module worker must be served as JavaScript (text/javascript). ${type.startsWith('text/html') ? 'An HTML page usually means the path is wrong and the server answered with its fallback page. ' : ''}${fix}`;
  }
  return `The Tandem worker could not start from ${url}: the script was served as JavaScript but failed to load or evaluate (a syntax error, or a chunk it imports is missing). Open the browser's DevTools for shared workers (chrome://inspect/#workers) to see its error, and make sure every file of the bundle was copied next to it.`;
}
