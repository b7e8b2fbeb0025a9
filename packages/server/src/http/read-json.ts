/**
 * Reads a JSON request body without ever holding more than `limit` bytes: a declared
 * Content-Length over the limit is refused before reading, a streamed body as soon as it passes it.
 */
import { invalidRequest, tooLarge } from './errors.ts';

export interface ReadJsonOptions {
  /** How to send less, said after "larger than N bytes" (default: the sync endpoints' advice; '' for none). */
  tooLargeHint?: string;
  /** An empty (or blank) body reads as `undefined` instead of being refused. */
  optional?: boolean;
}

const SYNC_HINT = 'send fewer actions or channels per request';
const EMPTY = 'The request body is empty: send a JSON object.';

/** Throws `too_large` (413) or `invalid_request` (400) TandemErrors, so a Tandem app answers them as JSON. */
export async function readJsonBody(request: Request, limit: number, options: ReadJsonOptions = {}): Promise<unknown> {
  const { tooLargeHint = SYNC_HINT, optional = false } = options;
  const tooBig = () => tooLarge(`The request body is larger than ${limit} bytes${tooLargeHint ? `: ${tooLargeHint}` : ''}.`);
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooBig();
  if (!request.body) {
    if (optional) return undefined;
    throw invalidRequest(EMPTY);
  }

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, total));
  } catch {
    throw invalidRequest('The request body is not valid UTF-8 text: send JSON.');
  }
  if (text.trim() === '') {
    if (optional) return undefined;
    throw invalidRequest(EMPTY);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalidRequest(`The request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
  }
}
