import { handoffChannelName } from '@tandem/core';

/** What a runtime is, as two workers compare it. */
export interface RuntimeIdentity {
  version: string;
  schemaVersion: number;
}

/** A worker that wants the database asks its holder for it. */
interface HandoffRequest extends RuntimeIdentity {
  type: 'handoff';
  id: string;
}

/** The holder runs a newer schema than the requester: the requester must reload, not wait. */
interface HandoffRefusal extends RuntimeIdentity {
  type: 'refused';
  id: string;
}

/** What the holder decided about one request. */
export type HandoffAnswer = 'retired' | 'refused' | 'ignored';

/**
 * Another worker of this origin posts here, so a message is checked before anything acts on it: a
 * malformed one is ignored.
 */
function parse(data: unknown): HandoffRequest | HandoffRefusal | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (m.type !== 'handoff' && m.type !== 'refused') return null;
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > 100) return null;
  if (typeof m.version !== 'string' || m.version.length === 0 || m.version.length > 200) return null;
  if (typeof m.schemaVersion !== 'number' || !Number.isInteger(m.schemaVersion) || m.schemaVersion < 0) return null;
  return { type: m.type, id: m.id, version: m.version, schemaVersion: m.schemaVersion };
}

function openChannel(database: string): BroadcastChannel | null {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(handoffChannelName(database)) : null;
}

/**
 * Asks whichever worker holds `database` to hand it over. `refused` resolves if the holder runs a
 * newer schema than `me` (it stays; the caller must not wait for the lock). The request is sent
 * once: a holder that retires releases the lock, which is how the caller learns it.
 */
export function requestHandoff(database: string, me: RuntimeIdentity): { refused: Promise<RuntimeIdentity>; close(): void } {
  const channel = openChannel(database);
  if (!channel) return { refused: new Promise(() => {}), close: () => {} };
  const id = globalThis.crypto.randomUUID();
  const refused = new Promise<RuntimeIdentity>((resolve) => {
    channel.onmessage = (event: MessageEvent) => {
      const message = parse(event.data);
      if (message?.type === 'refused' && message.id === id) resolve({ version: message.version, schemaVersion: message.schemaVersion });
    };
  });
  const request: HandoffRequest = { type: 'handoff', id, ...me };
  channel.postMessage(request);
  return { refused, close: () => channel.close() };
}

/**
 * Answers hand-off requests for `database` while this worker holds it. `decide` retires the
 * runtime (then the lock is free) or refuses; a refusal is posted back to the requester. Returns
 * a function that stops listening.
 */
export function serveHandoffs(database: string, me: () => RuntimeIdentity, decide: (requester: RuntimeIdentity) => Promise<HandoffAnswer>): () => void {
  const channel = openChannel(database);
  if (!channel) return () => {};
  channel.onmessage = (event: MessageEvent) => {
    const message = parse(event.data);
    if (message?.type !== 'handoff') return;
    decide({ version: message.version, schemaVersion: message.schemaVersion }).then(
      (answer) => {
        if (answer !== 'refused') return;
        const refusal: HandoffRefusal = { type: 'refused', id: message.id, ...me() };
        channel.postMessage(refusal);
      },
      () => {},
    );
  };
  return () => channel.close();
}
