export type { ActionRecord, VoidRecord, Checkpoint, JournalEntry, JournalRecord, JournalStore } from './journal-store.ts';
export { DexieJournalStore } from './dexie-journal-store.ts';
