import { describe, expect, it } from 'vitest';
import { ACTION_ARGS_MAX_BYTES, jsonByteLength } from './json-size.ts';
import { growthRatio, superlinearBound } from './test-support/linear-time.ts';
import { validateActionArgs } from './actions.ts';
import type { StandardSchemaV1 } from './standard-schema.ts';
import { SYNC_LIMITS } from './sync-protocol.ts';

const anything: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) } };

describe('jsonByteLength', () => {
  it('counts the UTF-8 bytes of the JSON text, as TextEncoder would', () => {
    for (const value of [null, 1.5, 'abc', 'é', '€', '😀', { a: ['x', 'é😀'], b: true }, '\ud800', 'q"\\\n']) {
      expect(jsonByteLength(value)).toBe(new TextEncoder().encode(JSON.stringify(value)).length);
    }
  });

  it('is linear: 32 × the text takes about 32 × the time', () => {
    expect(jsonByteLength({ text: 'x'.repeat(10_000_000) })).toBe(10_000_000 + 11);
    expect(growthRatio((n) => ({ text: 'x'.repeat(n) }), jsonByteLength, 125_000, 32)).toBeLessThan(superlinearBound(32));
  });
});

describe('the action args limit', () => {
  it('is one shared value, well below the push body limit', () => {
    expect(SYNC_LIMITS.actionArgs).toBe(ACTION_ARGS_MAX_BYTES);
    expect(SYNC_LIMITS.actionArgs * 2).toBeLessThanOrEqual(SYNC_LIMITS.body);
  });

  it('refuses args over it with too_large, naming the size and the limit', async () => {
    const definitions = { put: { args: anything, run: async () => {} } };
    await expect(validateActionArgs(definitions, 'put', 'x'.repeat(ACTION_ARGS_MAX_BYTES))).rejects.toMatchObject({
      kind: 'too_large',
      details: { action: 'put', bytes: ACTION_ARGS_MAX_BYTES + 2, limit: ACTION_ARGS_MAX_BYTES },
    });
    await expect(validateActionArgs(definitions, 'put', 'x'.repeat(ACTION_ARGS_MAX_BYTES - 2))).resolves.toHaveLength(ACTION_ARGS_MAX_BYTES - 2);
  });
});
