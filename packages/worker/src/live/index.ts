export { LiveQueryRegistry } from './live-query-registry.ts';
export type { LiveQuerySource } from './live-query-registry.ts';
export { TabFanout } from './tab-fanout.ts';
export type { TabSink } from './tab-fanout.ts';
