export { LiveQueryRegistry } from './live-query-registry.ts';
export type { LiveQuerySource } from './live-query-registry.ts';
