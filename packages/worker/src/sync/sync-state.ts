import type { PushAction } from '@tandem/core';
import type { ActionRecord, JournalStore } from '../store/journal-store.ts';

const CHANNELS_META_KEY = 'syncChannels';

/**
 * What this client syncs and what it still has to push: the channels (durable in the journal
 * store's meta), the ones the server refused, the bearer token, and this session's outbox cache.
 */
export class SyncState {
  /** Every tab hands over the profile's token on open; the newest wins. */
  token: string | undefined;
  #channels: string[];
  /** Channels the server refused to let this user read (not re-added automatically). */
  readonly #refused = new Set<string>();
  /**
   * Actions committed this session and not yet acknowledged by the server, oldest first: pushes
   * read them here rather than from the engine. Complete for seqs above `#floor` (actions
   * journaled by earlier sessions are only in the engine).
   */
  readonly #unpushed: PushAction[] = [];
  readonly #floor: number;
  readonly #store: JournalStore;

  /** The stored channels plus the configured ones (stored again when that added any). */
  static async load(store: JournalStore, configured: readonly string[], token: string | undefined, floor: number): Promise<SyncState> {
    const stored = (await store.getMeta<string[]>(CHANNELS_META_KEY)) ?? [];
    const channels = [...new Set([...stored, ...configured])];
    if (channels.length !== stored.length) await store.setMeta(CHANNELS_META_KEY, channels);
    return new SyncState(store, channels, token, floor);
  }

  private constructor(store: JournalStore, channels: string[], token: string | undefined, floor: number) {
    this.#store = store;
    this.#channels = channels;
    this.token = token;
    this.#floor = floor;
  }

  get channels(): string[] {
    return this.#channels;
  }

  /** Adds channels, durably; false when every one was synced already. */
  async add(channels: readonly string[]): Promise<boolean> {
    const next = [...new Set([...this.#channels, ...channels])];
    if (next.length === this.#channels.length) return false;
    await this.#store.setMeta(CHANNELS_META_KEY, next);
    this.#channels = next;
    return true;
  }

  /** The channels local actions wrote to that this client neither syncs nor was refused. */
  unfollowed(written: readonly string[]): string[] {
    return written.filter((c) => !this.#channels.includes(c) && !this.#refused.has(c));
  }

  /** Stops syncing a channel the server refuses, for good. */
  async refuse(channel: string): Promise<void> {
    this.#refused.add(channel);
    if (!this.#channels.includes(channel)) return;
    this.#channels = this.#channels.filter((c) => c !== channel);
    await this.#store.setMeta(CHANNELS_META_KEY, this.#channels);
  }

  /** A durable batch of local actions: the next push sends them. */
  noteCommitted(records: readonly ActionRecord[]): void {
    for (const record of records) this.#unpushed.push({ id: record.id, seq: record.clientSeq, name: record.name, args: (record.args ?? null) as PushAction['args'], time: record.time });
  }

  /** A pending action the app discarded: never pushed. */
  forget(id: string): void {
    const at = this.#unpushed.findIndex((a) => a.id === id);
    if (at !== -1) this.#unpushed.splice(at, 1);
  }

  /**
   * This session's actions after `afterSeq` (the ones at or below it are acknowledged: forgotten),
   * at most `limit`; null when the cache cannot say (earlier sessions' actions may follow `afterSeq`).
   */
  cachedUnpushed(afterSeq: number, limit: number): PushAction[] | null {
    const fresh = this.#unpushed;
    const acked = fresh.findIndex((a) => a.seq > afterSeq);
    fresh.splice(0, acked === -1 ? fresh.length : acked);
    return afterSeq >= this.#floor ? fresh.slice(0, limit) : null;
  }
}
