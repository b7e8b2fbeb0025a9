/**
 * Property-based fuzzing of every parser at a trust boundary: the sync protocol (both directions)
 * and the tab ↔ worker API. Whatever arrives, a parser returns a value that keeps its promises or
 * throws a TandemError of a documented kind, never a TypeError or a stack overflow; deep nesting
 * is refused in linear time. Seeded: see test-support/fuzz.ts and packages/server/README.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorKind } from './errors.ts';
import { findNonJson, JSON_MAX_DEPTH } from './json-value.ts';
import { parseCallId, parseChannelColumns, parseConnectRequest, parseParams, parseSql, parseSubId, parseSyncToken } from './protocol.ts';
import {
  parseClientSocketMessage,
  parsePullRequest,
  parsePullResponse,
  parsePushRequest,
  parsePushResponse,
  parseServerSocketMessage,
  SYNC_LIMITS,
} from './sync-protocol.ts';
import { unprintableText, unstorableText } from './text.ts';
import { anyValue, channel, clientId, deepValue, fuzzParams, hostileString, longString, nested, orHostile, outcome, pullRequest, pushRequest } from './test-support/fuzz.ts';

const RUNS = 200;
const invalid = { ok: false, kind: ErrorKind.invalidRequest };

const socketMessage = fc.oneof(
  fc.record(
    { type: fc.constantFrom('hello', 'channels', 'push', 'pull', 'poke', '', 'HELLO'), token: orHostile(hostileString), clientId: orHostile(clientId), channels: orHostile(fc.array(channel, { maxLength: 3 })), id: orHostile(fc.nat()), actions: anyValue, schemaVersion: anyValue },
    { requiredKeys: ['type'] },
  ),
  anyValue,
);

describe('fuzz: sync protocol parsers', () => {
  it('push requests: a TandemError invalid_request, or a request every action of which the server can store', () => {
    fc.assert(
      fc.property(pushRequest, (input) => {
        const result = outcome(() => parsePushRequest(input));
        if (!result.ok) {
          expect(result).toMatchObject(invalid);
          return;
        }
        for (const [i, a] of result.value.actions.entries()) {
          expect(unprintableText(a.name)).toBeNull();
          expect(findNonJson(a.args)).toBeNull();
          expect(a.id).toBe(`${result.value.clientId}-${a.seq}`);
          if (i > 0) expect(a.seq).toBeGreaterThan(result.value.actions[i - 1]!.seq);
        }
      }),
      fuzzParams(RUNS),
    );
  });

  it('pull requests: invalid_request, or printable distinct channels with integer cursors', () => {
    fc.assert(
      fc.property(pullRequest, (input) => {
        const result = outcome(() => parsePullRequest(input));
        if (!result.ok) {
          expect(result).toMatchObject(invalid);
          return;
        }
        const names = result.value.channels.map((c) => c.channel);
        expect(new Set(names).size).toBe(names.length);
        for (const c of result.value.channels) {
          expect(unprintableText(c.channel)).toBeNull();
          expect(Number.isSafeInteger(c.cursor) && c.cursor >= 0).toBe(true);
        }
      }),
      fuzzParams(RUNS),
    );
  });

  it('socket messages from a client: invalid_request, or a known type whose token and channels are printable', () => {
    fc.assert(
      fc.property(socketMessage, (input) => {
        const result = outcome(() => parseClientSocketMessage(input));
        if (!result.ok) {
          expect(result).toMatchObject(invalid);
          return;
        }
        const m = result.value;
        expect(['hello', 'channels', 'push', 'pull']).toContain(m.type);
        if (m.type === 'hello' && m.token !== undefined) expect(unprintableText(m.token)).toBeNull();
        if (m.type === 'hello' || m.type === 'channels') for (const c of m.channels) expect(unprintableText(c)).toBeNull();
      }),
      fuzzParams(RUNS),
    );
  });

  it('responses and server messages (the worker reads whatever a proxy or an old server sends): a value or invalid_request', () => {
    const response = fc.oneof(
      fc.record({ type: fc.constantFrom('ready', 'poke', 'error', 'pushed', 'pulled', 'failed'), version: anyValue, id: anyValue, status: anyValue, error: anyValue, response: anyValue, changes: anyValue }, { requiredKeys: ['type'] }),
      fc.record({ lastSeq: anyValue, version: anyValue, rejected: anyValue, changes: anyValue, snapshots: anyValue, more: anyValue, schemaVersion: anyValue }, { requiredKeys: [] }),
      anyValue,
    );
    fc.assert(
      fc.property(response, (input) => {
        for (const parse of [parsePushResponse, parsePullResponse, parseServerSocketMessage]) {
          const result = outcome(() => parse(input));
          if (!result.ok) expect(result).toMatchObject(invalid);
        }
      }),
      fuzzParams(RUNS),
    );
  });
});

describe('fuzz: findNonJson', () => {
  it('answers for any nesting depth without recursion, and refuses exactly what is too deep or unstorable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), hostileString, fc.boolean(), (depth, leaf, asObject) => {
        const found = findNonJson(nested(depth, leaf, asObject));
        if (depth > JSON_MAX_DEPTH) expect(found?.reason).toMatch(/nesting is deeper than 100 levels/);
        else expect(found === null).toBe(unstorableText(leaf) === null);
      }),
      fuzzParams(RUNS),
    );
  });

  it('never throws on anything, and what it accepts survives a JSON round trip unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, deepValue), (value) => {
        const found = findNonJson(value);
        // Compared as text: toEqual tells -0 from 0, which JSON does not keep and need not.
        if (found === null) expect(JSON.stringify(JSON.parse(JSON.stringify(value)))).toBe(JSON.stringify(value));
        else expect(Array.isArray(found.path) && typeof found.reason === 'string').toBe(true);
      }),
      fuzzParams(RUNS),
    );
  });
});

describe('fuzz: tab ↔ worker API parsers', () => {
  const url = fc.oneof(fc.constantFrom('https://app.example/actions.js', 'http://localhost:1/sync', 'file:///x', 'javascript:1', 'not a url', ''), hostileString);
  const config = fc.record(
    {
      schema: orHostile(fc.constantFrom('CREATE TABLE t (id text primary key)')),
      actionsUrl: orHostile(url),
      name: orHostile(fc.constantFrom('app', 'a.b-c_1')),
      engine: orHostile(fc.constantFrom('pglite', 'sqlite')),
      checkpointEvery: orHostile(fc.nat()),
      durability: orHostile(fc.constantFrom('relaxed', 'strict')),
      channels: orHostile(fc.dictionary(fc.oneof(fc.constantFrom('todos', 't1'), hostileString), fc.oneof(fc.constantFrom('list_id'), hostileString), { maxKeys: 2 })),
      sync: orHostile(fc.record({ url: orHostile(url), token: orHostile(fc.oneof(hostileString, longString(10_000), longString(10_001))), channels: orHostile(fc.array(channel, { maxLength: 2 })) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  );

  it('connect: invalid_request or schema_error, or a config whose sync URL is http(s) and token printable', () => {
    fc.assert(
      fc.property(fc.oneof(fc.record({ tabId: orHostile(fc.constantFrom('tab-1')), config }, { requiredKeys: [] }), anyValue), (input) => {
        const result = outcome(() => parseConnectRequest(input));
        if (!result.ok) {
          expect([ErrorKind.invalidRequest, ErrorKind.schemaError]).toContain(result.kind);
          return;
        }
        const sync = result.value.config.sync;
        if (sync) {
          expect(new URL(sync.url).protocol).toMatch(/^https?:$/);
          if (sync.token !== undefined) expect(unprintableText(sync.token)).toBeNull();
          expect(result.value.config.channels).toBeDefined();
        }
      }),
      fuzzParams(RUNS),
    );
  });

  it('query, token, call and subscription arguments: a value or invalid_request', () => {
    const params = fc.oneof(fc.array(anyValue, { maxLength: 4 }), anyValue);
    fc.assert(
      fc.property(anyValue, params, fc.oneof(anyValue, longString(10_000), longString(10_001)), fc.constantFrom(undefined, 'pglite', 'sqlite' as const), (value, p, token, engine) => {
        for (const parse of [parseSql, parseCallId, parseSubId, parseChannelColumns, parseSyncToken]) {
          const result = outcome(() => parse(value));
          if (!result.ok) expect(result).toMatchObject(invalid);
        }
        const tokenResult = outcome(() => parseSyncToken(token));
        if (tokenResult.ok) expect(unprintableText(tokenResult.value)).toBeNull();
        else expect(tokenResult).toMatchObject(invalid);
        const paramsResult = outcome(() => parseParams(p, engine));
        if (!paramsResult.ok) expect(paramsResult).toMatchObject(invalid);
      }),
      fuzzParams(RUNS),
    );
  });
});
