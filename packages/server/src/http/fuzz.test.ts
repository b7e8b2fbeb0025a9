/**
 * Property-based fuzzing of a real server on embedded PGlite: /sync/push, /sync/pull, wrong
 * methods and paths, and the socket before and after hello. Every hostile case must get a typed
 * error (a 4xx with the JSON `{kind, message}` shape, or a socket `error`/`failed` with a 44xx
 * close), write nothing (the head does not move), log no server fault, and leave the server
 * serving (a valid request succeeds right after it). Never a 500 or a 1011.
 *
 * Core's parsers are the oracle: what they refuse the server must refuse with 400, what they
 * accept the server must answer without a fault. Seeded: TANDEM_FUZZ_SEED replays a run (see the
 * README's "Fuzzing").
 */
import { ErrorKind, parseClientSocketMessage, parsePullRequest, parsePushRequest } from '@tandem/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Core's test-only arbitraries, shared by both fuzz suites: exported under the repo-only source condition, never built or packed.
import { anyValue, channel, fuzzParams, fuzzTimeout, hostileString, longString, orHostile, outcome, pullRequest, pushAction, pushRequest } from '@tandem/core/test-support/fuzz';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, openSocket, readySocket, recordingLogger, TOKENS } from './sync-app.fixture.ts';

const RUNS = 100;
const KINDS = new Set<string>(Object.values(ErrorKind));
/** What a socket may be closed with after a refusal: malformed, credentials, read rule, version. */
const REFUSAL_CLOSES = [4400, 4401, 4403, 4409];

let server: TandemServer;
const logger = recordingLogger();
let unique = 0;

beforeAll(async () => {
  server = await startTandemServer({ ...NOTES_SERVER, logger });
});
afterAll(async () => {
  await server?.close();
  // No case was a server fault (a 500 logs its error).
  expect(logger.errors).toEqual([]);
});

interface Answer {
  status: number;
  contentType: string;
  body: any;
}

/** Sends `body` as is (a string is the raw body); undefined when the client itself refuses the header. */
async function send(method: string, path: string, body: string | undefined, token: string | null = 'alice-token'): Promise<Answer | undefined> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
  } catch (error) {
    // fetch refuses header values with control characters or non-Latin-1 text before sending.
    const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    if (error instanceof TypeError && (/header|ByteString/i.test(error.message) || cause?.code === 'UND_ERR_INVALID_ARG')) return undefined;
    throw error;
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: parsed };
}

/** A refusal as documented: a 4xx, JSON, `{kind, message}` with a known kind. */
function expectTypedError(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
  expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(typeof answer.body.message).toBe('string');
  expect(KINDS.has(answer.body.kind), `kind ${answer.body.kind}`).toBe(true);
}

/** The server still serves: a valid pull answers 200 (cheap enough to follow every case). */
async function expectServing(): Promise<void> {
  const pull = await send('POST', '/sync/pull', JSON.stringify({ clientId: 'fz-reader', channels: [{ channel: 'fz', cursor: 0 }] }));
  expect(pull?.status, JSON.stringify(pull?.body)).toBe(200);
}

/** The server still takes writes: a fresh client pushes one note (200, accepted). Once per property: a commit costs. */
async function expectWritable(): Promise<void> {
  const clientId = `fz-ok-${unique++}`;
  const push = await send('POST', '/sync/push', JSON.stringify({ clientId, actions: [{ id: `${clientId}-1`, seq: 1, name: 'addNote', args: { room: 'fz', body: 'ok' }, time: 1 }] }));
  expect(push?.status, JSON.stringify(push?.body)).toBe(200);
  expect(push?.body).toMatchObject({ lastSeq: 1, rejected: [] });
}

/**
 * JSON text of `value` as a client would send it (lone surrogates escaped, bigints as numbers).
 * JSON.stringify itself recurses, so what it cannot write (thousands of levels) is sent as that
 * many brackets: the server must still answer.
 */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? 'undefined';
  } catch {
    return '['.repeat(10_000) + ']'.repeat(10_000);
  }
}

/** JSON text, or raw text: truncated, garbage, unbalanced. */
const bodyOf = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: value.map(jsonText) },
    { weight: 1, arbitrary: fc.tuple(value, fc.nat()).map(([v, cut]) => jsonText(v).slice(0, cut)) },
    { weight: 1, arbitrary: fc.oneof(hostileString, fc.string({ unit: 'binary' }), fc.constantFrom('', '{', '[]', 'null', '{"clientId":', '\u0000', '{"a":1}{"b":2}', '[' .repeat(50_000))) },
  );

const token = fc.oneof(
  { weight: 6, arbitrary: fc.constant('alice-token') },
  { weight: 1, arbitrary: fc.constantFrom(null, '', 'bob-token ', 'nobody', 'alice-token\u0000') },
  { weight: 1, arbitrary: fc.oneof(hostileString, longString(10_000)) },
);

/** `request` sent to `path`: refused as a 4xx with nothing written when core's parser refuses it; never a fault. */
async function checkRoute(path: '/sync/push' | '/sync/pull', body: string, auth: string | null, parse: (v: unknown) => unknown): Promise<void> {
  const head = await server.store.head();
  const answer = await send('POST', path, body, auth);
  fc.pre(answer !== undefined);
  let value: unknown;
  let json = true;
  try {
    value = JSON.parse(body);
  } catch {
    json = false;
  }
  const accepted = json && outcome(() => parse(value)).ok;
  // fetch strips a header value's surrounding spaces and tabs, so 'bob-token ' is bob's token.
  const user = auth === null ? undefined : TOKENS[auth.replace(/^[ \t]+|[ \t]+$/g, '')];
  if (!accepted || user !== 'alice') {
    expectTypedError(answer!);
    expect(await server.store.head()).toBe(head);
    // A well-formed body is judged on its credentials first or its contents: either way a refusal.
    if (user === 'alice') expect(answer).toMatchObject({ status: 400, body: { kind: ErrorKind.invalidRequest } });
  } else {
    expect(answer!.status, JSON.stringify(answer!.body)).toBeLessThan(500);
    if (answer!.status >= 400) expectTypedError(answer!);
  }
  await expectServing();
}

describe('fuzz: the sync server over HTTP (embedded PGlite)', () => {
  it('push: any body, any token: a typed 4xx that writes nothing, or a well-formed push handled; the server serves on', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf(pushRequest), token, (body, auth) => checkRoute('/sync/push', body, auth, parsePushRequest)),
      fuzzParams(RUNS),
    );
    await expectWritable();
  }, fuzzTimeout(RUNS));

  it('push: a well-formed push of one hostile action from a fresh client, then that client pushes on', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => {
          const clientId = `fz-c${unique++}`;
          return fc.tuple(fc.constant(clientId), pushAction(clientId));
        }),
        async ([clientId, action]) => {
          const head = await server.store.head();
          const body = jsonText({ clientId, actions: [action] });
          const parsed = outcome(() => parsePushRequest(JSON.parse(body)));
          const answer = (await send('POST', '/sync/push', body))!;
          if (!parsed.ok) {
            expect(answer).toMatchObject({ status: 400, body: { kind: ErrorKind.invalidRequest } });
            expectTypedError(answer);
            expect(await server.store.head()).toBe(head);
          } else expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          // The same client is not wedged: its next action (seq after whatever was taken) goes through.
          const seq = parsed.ok ? parsed.value.actions[0]!.seq + 1 : 1;
          const next = (await send('POST', '/sync/push', JSON.stringify({ clientId, actions: [{ id: `${clientId}-${seq}`, seq, name: 'addNote', args: { room: 'fz', body: 'next' }, time: 1 }] })))!;
          expect(next.status, JSON.stringify(next.body)).toBe(200);
          expect(next.body).toMatchObject({ lastSeq: seq, rejected: [] });
        },
      ),
      fuzzParams(RUNS),
    );
    await expectWritable();
  }, fuzzTimeout(RUNS));

  it('pull: any body, any token: a typed 4xx or a pull, and never a write', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf(pullRequest), token, async (body, auth) => {
        const head = await server.store.head();
        await checkRoute('/sync/pull', body, auth, parsePullRequest);
        expect(await server.store.head()).toBe(head);
      }),
      fuzzParams(RUNS),
    );
    await expectWritable();
  }, fuzzTimeout(RUNS));

  it('bodies over the size limit are 413 too_large, whatever they hold, and write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 * 1024 }), fc.constantFrom('a', '\u0000', '\ud800', '['), async (extra, fill) => {
        const head = await server.store.head();
        const clientId = `fz-big${unique++}`;
        const prefix = `{"clientId":"${clientId}","actions":[{"id":"${clientId}-1","seq":1,"name":"addNote","args":{"room":"r","body":"`;
        const body = prefix + fill.repeat(4 * 1024 * 1024 + extra) + '"},"time":1}]}';
        // The server answers 413 on the Content-Length, before reading the body; on a busy machine
        // it may then close while fetch is still uploading, and fetch reports the reset instead of
        // the answer (seen under load). That is still a refusal: the checks below must hold.
        const answer = await send('POST', '/sync/push', body).catch((error: unknown) => {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return undefined;
          throw error;
        });
        if (answer) {
          expect(answer).toMatchObject({ status: 413, body: { kind: ErrorKind.tooLarge } });
          expectTypedError(answer);
        }
        expect(await server.store.head()).toBe(head);
        await expectServing();
      }),
      // 4 MB bodies: a fixed handful, not scaled by TANDEM_FUZZ_RUNS.
      { ...fuzzParams(4), numRuns: 4 },
    );
    await expectWritable();
  }, fuzzTimeout(RUNS));

  it('wrong methods and unknown paths under /sync are JSON 4xx', async () => {
    const method = fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'POST');
    const path = fc.oneof(fc.constantFrom('/sync/push', '/sync/pull', '/sync/ws', '/sync/', '/sync/x'), fc.constantFrom('/sync/%00', '/sync/%ED%A0%80', '/sync/%ff', '/sync/..%2f..', '/sync//push'),
      // encodeURIComponent throws on a lone surrogate; its raw UTF-8 is in the constants above.
      hostileString.map((s) => `/sync/${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))}`));
    await fc.assert(
      fc.asyncProperty(method, path, async (m, p) => {
        fc.pre(!(m === 'POST' && (p === '/sync/push' || p === '/sync/pull')));
        const answer = (await send(m, p, m === 'GET' ? undefined : '{}'))!;
        expectTypedError(answer);
      }),
      fuzzParams(RUNS),
    );
    await expectWritable();
  }, fuzzTimeout(RUNS));
});

describe('fuzz: the sync socket (embedded PGlite)', () => {
  /** A frame: JSON of `value`, raw text, or binary. */
  const frameOf = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string | Uint8Array> =>
    fc.oneof({ weight: 5, arbitrary: bodyOf(value) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }) });

  const hello = fc.oneof(
    fc.record(
      { type: fc.constant('hello'), token: orHostile(fc.constantFrom('alice-token', 'bob-token')), clientId: orHostile(fc.constantFrom('fz-s', 'x')), channels: orHostile(fc.array(channel, { maxLength: 3 })), schemaVersion: orHostile(fc.constant(0)) },
      { requiredKeys: ['type'] },
    ),
    anyValue,
  );

  it('before hello: anything is refused with a typed error and a 44xx close, or is a hello answered ready', async () => {
    await fc.assert(
      fc.asyncProperty(frameOf(hello), async (frame) => {
        const head = await server.store.head();
        const socket = await openSocket(server.url);
        if (typeof frame === 'string') socket.send(frame);
        else socket.ws.send(frame); // a binary frame (the fixture's send would JSON-encode it)
        const reply = await socket.next();
        if (reply.type === 'ready') {
          // Only a hello core accepts (with a real token, readable channels) may get here.
          expect(typeof frame).toBe('string');
          expect(outcome(() => parseClientSocketMessage(JSON.parse(frame as string))).ok).toBe(true);
          await socket.close();
        } else {
          expect(reply.type).toBe('error');
          if (reply.type === 'error') expect(KINDS.has(reply.error.kind)).toBe(true);
          expect(REFUSAL_CLOSES).toContain((await socket.closed).code);
        }
        expect(await server.store.head()).toBe(head);
        await expectServing();
      }),
      fuzzParams(RUNS),
    );
    await expectWritable();
  }, fuzzTimeout(RUNS));

  it('after ready: a hostile push or pull is answered failed 4xx (or closes 4400) and writes nothing; the socket serves on', async () => {
    const request = fc.oneof(
      fc.record({ type: fc.constantFrom('push', 'pull', 'channels', 'hello', 'nope'), id: orHostile(fc.constant(7)), actions: orHostile(fc.array(pushAction('fz-ws'), { maxLength: 2 })), channels: anyValue, pendingFrom: anyValue }, { requiredKeys: ['type'] }),
      anyValue,
    );
    await fc.assert(
      fc.asyncProperty(frameOf(request), async (frame) => {
        const clientId = 'fz-ws';
        const { socket } = await readySocket(server.url, ['fz'], 'alice-token', clientId);
        const head = await server.store.head();
        if (typeof frame === 'string') socket.send(frame);
        else socket.ws.send(frame); // a binary frame (the fixture's send would JSON-encode it)
        let reply = await socket.next();
        // Another commit's poke may come first: not an answer.
        while (reply.type === 'poke') reply = await socket.next();
        // A `channels` message to readable channels is answered ready; anything else refused or failed.
        if (reply.type === 'ready') {
          expect(typeof frame).toBe('string');
        } else if (reply.type === 'failed') {
          expect(reply.status).toBeGreaterThanOrEqual(400);
          expect(reply.status).toBeLessThan(500);
          expect(KINDS.has(reply.error.kind)).toBe(true);
        } else if (reply.type === 'error') {
          expect(KINDS.has(reply.error.kind)).toBe(true);
          expect(REFUSAL_CLOSES).toContain((await socket.closed).code);
        } else {
          // pushed or pulled: core accepted the message, and a push that wrote must have been valid.
          expect(['pushed', 'pulled']).toContain(reply.type);
        }
        if (reply.type === 'failed' || reply.type === 'error') expect(await server.store.head()).toBe(head);
        if (reply.type !== 'error') {
          socket.send({ type: 'pull', id: 99, channels: [{ channel: 'fz', cursor: 0 }] });
          let answer = await socket.next();
          // A poke from another client's commit may come first.
          while (answer.type === 'poke' || answer.type === 'ready') answer = await socket.next();
          expect(answer).toMatchObject({ type: 'pulled', id: 99 });
        }
        await socket.close();
        await expectServing();
      }),
      fuzzParams(RUNS),
    );
    await expectWritable();
  }, fuzzTimeout(RUNS));
});
