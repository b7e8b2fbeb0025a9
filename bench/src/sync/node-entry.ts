// Node bundle entry (dist/node/sync-app.mjs): the server side of the sync benchmarks' app.
export { ITEM_NOTE, RAW_ITEMS_SQL, SYNC_CHANNELS, SYNC_SCHEMA, itemTitle, syncActions } from './sync-app.ts';
