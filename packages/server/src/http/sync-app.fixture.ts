/**
 * Shared by the HTTP and socket tests: a tiny app (notes in rooms), its auth hooks, and clients for
 * the real HTTP endpoints and real WebSockets.
 */
import { afterEach } from 'vitest';
import { defineActions, parseServerSocketMessage } from '@tandem/core';
import type { PushRequest, ServerSocketMessage } from '@tandem/core';
import { WebSocket } from 'ws';
import * as z from 'zod';
import type { Authenticate, CanRead } from './auth.ts';
import type { Logger } from './errors.ts';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS notes (
  id   text PRIMARY KEY,
  room text NOT NULL,
  body text NOT NULL
);`;

export const CHANNELS = { notes: 'room' };

export const ACTIONS = defineActions({
  addNote: {
    args: z.object({ room: z.string().min(1), body: z.string() }),
    async run(tx, args, ctx) {
      const id = ctx.id();
      await tx.query('INSERT INTO notes (id, room, body) VALUES ($1, $2, $3)', [id, args.room, args.body]);
      return id;
    },
  },
  failNote: {
    args: z.object({}),
    run() {
      throw new Error('failNote always fails');
    },
  },
});

export const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };

export const authenticate: Authenticate = (token) => {
  const id = token === null ? undefined : TOKENS[token];
  return id ? { id } : null;
};

/** Everyone reads everything except channels named `secret…`. */
export const canRead: CanRead = (_user, channel) => !channel.startsWith('secret');

/** startTandemServer's options for this app on a free port and a throwaway database. */
export const NOTES_SERVER = {
  port: 0,
  schema: SCHEMA,
  channels: CHANNELS,
  actions: ACTIONS,
  database: { dataDir: 'memory://' },
  authenticate,
  canRead,
} as const;

/** Collects logged errors instead of printing them, so tests can assert that nothing unexpected happened. */
export function recordingLogger(): Logger & { errors: unknown[] } {
  const errors: unknown[] = [];
  return { errors, error: (message, error) => errors.push([message, error]) };
}

export interface JsonResponse {
  status: number;
  body: any;
}

export async function post(url: string, path: string, body: unknown, token: string | null = 'alice-token'): Promise<JsonResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

let seqs = 0;
/** A push of `addNote`s from `clientId` with seqs starting at `from`. */
export function notesPush(clientId: string, notes: { room: string; body: string }[], from = 1): PushRequest {
  return {
    clientId,
    actions: notes.map((args, i) => ({ id: `${clientId}-${from + i}`, seq: from + i, name: 'addNote', args, time: Date.now() + seqs++ })),
  };
}

export function pullAll(clientId: string, rooms: string[]): { clientId: string; channels: { channel: string; cursor: number }[] } {
  return { clientId, channels: rooms.map((channel) => ({ channel, cursor: 0 })) };
}

/** Rows of `notes` in the snapshots of a pull response. */
export function snapshotNotes(pull: any): { id: string; room: string; body: string }[] {
  return (pull.snapshots as any[]).flatMap((s) => s.tables.notes ?? []);
}

export interface TestSocket {
  readonly ws: WebSocket;
  send(message: unknown): void;
  /** The next server message (fails after `timeoutMs`). */
  next(timeoutMs?: number): Promise<ServerSocketMessage>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export async function openSocket(url: string, path = '/sync/ws'): Promise<TestSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + path);
  const inbox: ServerSocketMessage[] = [];
  const waiters: ((m: ServerSocketMessage) => void)[] = [];
  ws.on('message', (data, isBinary) => {
    // A browser hands a binary frame to the worker as a Blob, which it cannot read as a message.
    if (isBinary) throw new Error('The server sent a binary frame; every message must be a text frame.');
    // Checked as the worker checks it: every frame the server writes (spliced ones too) must pass.
    const message = parseServerSocketMessage(JSON.parse(String(data)));
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (timeoutMs = 5000) => {
      const queued = inbox.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no socket message within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (m: ServerSocketMessage) => {
          clearTimeout(timer);
          resolve(m);
        };
        waiters.push(waiter);
      });
    },
    close: async () => {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await closed;
    },
  };
}

/** Opens a socket and completes the hello → ready handshake. */
export async function readySocket(url: string, channels: string[], token = 'bob-token', clientId = 'sock'): Promise<{ socket: TestSocket; version: number }> {
  const socket = await openSocket(url);
  socket.send({ type: 'hello', token, clientId, channels });
  const ready = await socket.next();
  if (ready.type !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(ready)}`);
  return { socket, version: ready.version };
}

/**
 * What one test starts (sync clients, servers), stopped after it: the clients first, so none is
 * left retrying against a server that is closing.
 */
export function stoppedAfterEach() {
  const clients: { stop(): void }[] = [];
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.stop();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    client<T extends { stop(): void }>(client: T): T {
      clients.push(client);
      return client;
    },
    server<T extends { close(): Promise<void> }>(server: T): T {
      servers.push(server);
      return server;
    },
  };
}
