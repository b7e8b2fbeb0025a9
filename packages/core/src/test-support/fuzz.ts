/**
 * Shared by the fuzz suites (core parsers here, the server's routes and socket in
 * packages/server): the seed, the run budget and the hostile inputs fast-check draws from.
 *
 * The seed is fixed so `npm test` is reproducible; TANDEM_FUZZ_SEED replays another run (a failure
 * prints its seed and shrunk counter-example), TANDEM_FUZZ_RUNS widens a local hunt.
 */
import fc from 'fast-check';
import type { Parameters as FcParameters } from 'fast-check';
import { TandemError } from '../errors.ts';
import type { ErrorKind } from '../errors.ts';
import { SYNC_LIMITS } from '../sync-protocol.ts';

const DEFAULT_SEED = 20261203;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}.`);
  return n;
}

export const FUZZ_SEED = envInt('TANDEM_FUZZ_SEED', DEFAULT_SEED);

/**
 * fast-check parameters: `runs` per property unless TANDEM_FUZZ_RUNS says otherwise. Without
 * `verbose`, a failure still reports seed, path and the shrunk counter-example; verbose adds the
 * error of the counter-example, which is what names the broken field.
 */
export function fuzzParams<T>(runs: number): FcParameters<T> {
  return { seed: FUZZ_SEED, numRuns: envInt('TANDEM_FUZZ_RUNS', runs), verbose: 1, endOnFailure: true };
}

/** A test's timeout for `runs` runs by default: 30 s, more when TANDEM_FUZZ_RUNS asks for more. */
export function fuzzTimeout(runs: number): number {
  return 30_000 * Math.max(1, envInt('TANDEM_FUZZ_RUNS', runs) / runs);
}

/** Characters every boundary must refuse or store safely: NUL, C0/C1 controls, DEL, lone surrogates. */
export const HOSTILE_CHARS = ['\u0000', '\u0001', '\t', '\n', '\u001b', '\u007f', '\u0085', '\u009f', '\ud800', '\udbff', '\udc00', '\udfff'] as const;
/** Odd but legal: bidi overrides, BOM, line separators, noncharacters, a pair, combining marks. */
const ODD_CHARS = ['\u202e', '\ufeff', '\u2028', '\uffff', '\ufffd', '\ud83d\ude00', 'e\u0301', 'ß', '"', '\\', '%00', '${x}', "'; drop table notes; --"] as const;

/** Short strings mixing hostile, odd and arbitrary (any UTF-16 unit) pieces. */
export const hostileString: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE_CHARS), fc.constantFrom(...ODD_CHARS), fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ maxLength: 6 })), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));

/** A string of exactly `length` units, `bad` spliced in somewhere (or nowhere): huge but within a limit. */
export const longString = (length: number): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom('', ...HOSTILE_CHARS), fc.nat({ max: length - 1 }), fc.constantFrom('a', 'é', '-')).map(([bad, at, fill]) => {
    const base = fill.repeat(length);
    return bad ? base.slice(0, at) + bad + base.slice(at + bad.length) : base;
  });

/** `depth` nested arrays (or objects) around `leaf`: built iteratively, JSON-like at any depth. */
export function nested(depth: number, leaf: unknown, asObject = false): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asObject ? { k: value } : [value];
  return value;
}

export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.oneof(fc.integer({ min: 90, max: 110 }), fc.integer({ min: 0, max: 12_000 })), fc.oneof(fc.constant(null), hostileString), fc.boolean())
  .map(([depth, leaf, asObject]) => nested(depth, leaf, asObject));

/** Anything: every JS type the structured clone or a JSON body can carry, and more, hostile strings included. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ stringUnit: 'binary', withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 4 }),
  hostileString,
  deepValue,
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -0, 2 ** 53, -1, 0, 1.5, '', [], {}, () => 1, Symbol('s'), new Date(NaN), new Uint8Array(3)),
);

/** `valid`, or (more often) something that may break it: for fields of otherwise well-formed requests. */
export const orHostile = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 1, arbitrary: valid }, { weight: 2, arbitrary: anyValue });

/** A client id, valid or not (the parsers must tell). */
export const clientId = fc.oneof(fc.constantFrom('c1', 'dev:1.a-b_c', 'x'.repeat(SYNC_LIMITS.idLength)), hostileString);
export const channel = fc.oneof(fc.constantFrom('r', 'room-1'), hostileString, longString(SYNC_LIMITS.channelLength), longString(SYNC_LIMITS.channelLength + 1));
export const actionName = fc.oneof(fc.constantFrom('addNote', 'x'), hostileString, longString(SYNC_LIMITS.actionNameLength), longString(SYNC_LIMITS.actionNameLength + 1));

/** A push action whose every field may be hostile; the id follows the seq half the time. */
export const pushAction = (client: string) =>
  fc.record({ seq: orHostile(fc.integer({ min: 1, max: 5 })), name: orHostile(actionName), args: orHostile(fc.jsonValue({ maxDepth: 3 })), time: orHostile(fc.double()), sameId: fc.boolean() }).map(
    ({ sameId, ...a }) => ({ id: sameId && typeof a.seq === 'number' ? `${client}-${a.seq}` : a.seq, ...a }),
  );

/** Push requests from near-valid to nonsense. */
export const pushRequest = fc.oneof(
  clientId.chain((id) => fc.record({ clientId: fc.constant(id), actions: fc.array(pushAction(id), { maxLength: 3 }) }, { requiredKeys: ['clientId'] })),
  fc.record({ clientId: orHostile(clientId), actions: orHostile(fc.array(anyValue, { maxLength: 3 })), schemaVersion: anyValue, extra: anyValue }, { requiredKeys: [] }),
  anyValue,
);

export const cursor = fc.record({ channel: orHostile(channel), cursor: orHostile(fc.nat()) }, { requiredKeys: [] });
export const pullRequest = fc.oneof(
  fc.record({ clientId: orHostile(clientId), channels: orHostile(fc.array(cursor, { maxLength: 3 })), pendingFrom: anyValue, schemaVersion: anyValue }, { requiredKeys: [] }),
  anyValue,
);

/**
 * Runs `parse` and reports what happened: the value, or the error's kind. Anything thrown that is
 * not a TandemError (a TypeError from a missed type check, a RangeError from recursion) is
 * rethrown, so the property fails and fast-check shrinks to it.
 */
export function outcome<T>(parse: () => T): { ok: true; value: T } | { ok: false; kind: ErrorKind; message: string } {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof TandemError) return { ok: false, kind: error.kind, message: error.message };
    throw error;
  }
}
