import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

/** A raw HTTP answer: status, the parsed JSON body (null when it is not JSON) and the text. */
export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface ErrorBody {
  kind: string;
  message: string;
  details?: unknown;
}

/** What `/sync/pull` answers (packages/core/src/sync-protocol.ts), loosely typed. */
export interface PullBody {
  version: number;
  changes: { version: number; actionId: string; channel: string; table: string; rowId: string; op: string; row: Record<string, unknown> | null }[];
  snapshots: { channel: string; tables: Record<string, Record<string, unknown>[]> }[];
  lastSeq: number;
  rejected: { id: string; seq: number; name: string; error: ErrorBody }[];
  more: boolean;
}

export interface PushBody {
  lastSeq: number;
  rejected: { id: string; seq: number; name: string; error: ErrorBody }[];
  version: number;
}

/** A list id the demo's read rule accepts, unique per call. */
export function newListId(prefix = 'e2e'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A client id for raw protocol requests, unique per call. */
export function newClientId(prefix = 'raw'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** POSTs `body` (a string is sent as is, anything else as JSON) and reads the answer whatever its status. */
export async function post<T = unknown>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: body stays null, the text tells what came back
  }
  return { status: response.status, body: parsed as T, text };
}

export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** A new anonymous user of the demo server at `baseUrl` (POST /api/session). */
export async function newSession(baseUrl: string): Promise<{ token: string; userId: string }> {
  const answer = await post<{ token: string; userId: string }>(`${baseUrl}/api/session`, '');
  if (answer.status !== 200 || typeof answer.body?.token !== 'string') throw new Error(`POST /api/session answered ${answer.status}: ${answer.text}`);
  return answer.body;
}

/** A push of `addTodo` actions in the wire shape, seqs from `firstSeq`. */
export function addTodoPush(clientId: string, listId: string, titles: string[], firstSeq = 1) {
  return {
    clientId,
    actions: titles.map((title, i) => ({ id: `${clientId}-${firstSeq + i}`, seq: firstSeq + i, name: 'addTodo', args: { listId, title }, time: Date.now() })),
  };
}

/** Raw sync calls against one demo server as one user. */
export function syncApi(baseUrl: string, token: string) {
  return {
    push: (body: unknown, headers: Record<string, string> = bearer(token)) => post<PushBody & ErrorBody>(`${baseUrl}/sync/push`, body, headers),
    pull: (body: unknown, headers: Record<string, string> = bearer(token)) => post<PullBody & ErrorBody>(`${baseUrl}/sync/pull`, body, headers),
    /** The server's head version (GET /sync/health). */
    head: async (): Promise<number> => {
      const response = await fetch(`${baseUrl}/sync/health`);
      const body = (await response.json()) as { version: number };
      return body.version;
    },
    /** Every todo of `listId` as the server has it now: a pull from cursor 0 (a snapshot). */
    todos: async (listId: string, clientId = newClientId('reader')): Promise<{ id: string; title: string; completed: boolean }[]> => {
      const answer = await post<PullBody>(`${baseUrl}/sync/pull`, { clientId, channels: [{ channel: listId, cursor: 0 }] }, bearer(token));
      if (answer.status !== 200) throw new Error(`pull of ${listId} answered ${answer.status}: ${answer.text}`);
      const rows = answer.body.snapshots.find((s) => s.channel === listId)?.tables.todos ?? [];
      return rows
        .map((r) => ({ id: String(r.id), title: String(r.title), completed: r.completed === true, createdAt: Number(r.created_at) }))
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(({ id, title, completed }) => ({ id, title, completed }));
    },
  };
}

export interface SocketClosed {
  code: number;
  reason: string;
}

/**
 * A raw client of the poke socket (`/sync/ws`) using Node's `ws`: queues what the server sends so a
 * test can await the next message and the close.
 */
export class TestSocket {
  readonly messages: unknown[] = [];
  readonly closed: Promise<SocketClosed>;
  readonly #ws: WebSocket;
  #waiters: (() => void)[] = [];
  #read = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${String((data as Buffer).length)} bytes>` : data.toString();
      let value: unknown = text;
      try {
        value = JSON.parse(text);
      } catch {
        // keep the text
      }
      this.messages.push(value);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    ws.on('close', () => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async open(baseUrl: string): Promise<TestSocket> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/sync/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestSocket(ws);
  }

  send(data: string | Buffer | object): void {
    this.#ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  }

  /** The next message the server sent (in order), or an error after `timeoutMs` / when the socket closed first. */
  async next(timeoutMs = 5_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.messages.length) {
      if (this.#ws.readyState === WebSocket.CLOSED) throw new Error(`the socket closed without another message (got ${JSON.stringify(this.messages)})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no socket message within ${timeoutMs} ms (got ${JSON.stringify(this.messages)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages[this.#read++];
  }

  /** Resolves with the close code and reason, or rejects if the server has not closed within `timeoutMs`. */
  async waitClosed(timeoutMs = 5_000): Promise<SocketClosed> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the server did not close the socket within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.close(1000);
  }
}
