import { describe, expect, it } from 'vitest';
import { pokeFrame, pushedFrame } from './socket-frames.ts';
import { parseServerSocketMessage } from './sync-protocol.ts';
import type { Change } from './sync-protocol.ts';

const parse = (text: string) => parseServerSocketMessage(JSON.parse(text));

const changes: Change[] = [
  { version: 7, actionId: 'c1:1', channel: 'a', table: 'notes', rowId: 'n1', op: 'insert', row: { id: 'n1', body: 'say "hi"\n', n: 1.5 } },
  { version: 7, actionId: 'c1:2', channel: 'b', table: 'notes', rowId: 'n2', op: 'delete', row: null },
];
// As Postgres writes a json_agg: spaces and a newline between elements.
const postgresText = '[{"version":7,"actionId":"c1:1","channel":"a","table":"notes","rowId":"n1","op":"insert","row":{"n": 1.50, "id": "n1", "body": "say \\"hi\\"\\n"}}, \n {"version":7,"actionId":"c1:2","channel":"b","table":"notes","rowId":"n2","op":"delete","row":null}]';

describe('spliced socket frames', () => {
  it('a poke with and without changes reads back as the message it stands for', () => {
    expect(parse(pokeFrame(7))).toEqual({ type: 'poke', version: 7 });
    expect(parse(pokeFrame(7, postgresText))).toEqual({ type: 'poke', version: 7, changes });
  });

  it('a pushed answer carries the changes inside its response', () => {
    const response = { lastSeq: 3, rejected: [], version: 7 };
    expect(parse(pushedFrame(4, response))).toEqual({ type: 'pushed', id: 4, response });
    expect(parse(pushedFrame(4, response, postgresText))).toEqual({ type: 'pushed', id: 4, response: { ...response, changes } });
    expect(parse(pushedFrame(4, { ...response, version: 8 }, '[]'))).toEqual({ type: 'pushed', id: 4, response: { ...response, version: 8, changes: [] } });
  });

  it('the receiver still refuses a spliced poke whose changes are not of its commit or malformed', () => {
    expect(() => parse(pokeFrame(8, postgresText))).toThrow(/poke changes must all belong to commit 8; one has version 7/);
    expect(() => parse(pokeFrame(7, '[{"version":7,"op":"insert"}]'))).toThrow(/poke changes\[0\] is malformed/);
    expect(() => parse(pokeFrame(7, '[]'))).toThrow(/poke.changes must be an array of 1-1000 changes/);
  });
});
