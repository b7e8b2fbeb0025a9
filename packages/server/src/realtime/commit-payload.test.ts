import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, decodeCommitMessage, encodeCommitMessage } from './commit-payload.ts';

describe('commit notification payload', () => {
  it('round-trips channels', () => {
    const text = encodeCommitMessage({ instanceId: 'i1', version: 42, scope: ['a', 'b"c'] });
    expect(decodeCommitMessage(text)).toEqual({ instanceId: 'i1', version: 42, scope: ['a', 'b"c'] });
  });

  it('degrades to "everything changed" past the NOTIFY size limit', () => {
    const channels = Array.from({ length: 100 }, (_, i) => `${i}-${'x'.repeat(100)}`);
    const text = encodeCommitMessage({ instanceId: 'i1', version: 9, scope: channels });
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(decodeCommitMessage(text)).toEqual({ instanceId: 'i1', version: 9, scope: 'all' });
  });

  it('ignores payloads that are not commit messages', () => {
    for (const text of ['', 'hello', '[]', '{"i":1,"v":2,"c":[]}', '{"i":"x","v":-1,"c":[]}', '{"i":"x","v":1,"c":[3]}', '{"i":"x","v":1}']) {
      expect(decodeCommitMessage(text)).toBeNull();
    }
  });
});
