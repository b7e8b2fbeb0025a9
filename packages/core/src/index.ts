export * from './errors.ts';
export * from './actions.ts';
export * from './row-diff.ts';
export * from './protocol.ts';
export * from './json-value.ts';
export type { Patch, PatchOp, Row } from './patch.ts';
export type { StandardSchemaV1, InferInput, InferOutput } from './standard-schema.ts';
export { isStandardSchema } from './standard-schema.ts';
export * from './sync-protocol.ts';
