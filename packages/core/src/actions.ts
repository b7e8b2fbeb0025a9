import { ErrorKind, TandemError } from './errors.ts';
import { ACTION_ARGS_MAX_BYTES, jsonByteLength } from './json-size.ts';
import { findNonJson } from './json-value.ts';
import type { InferInput, InferOutput, StandardIssue, StandardSchemaV1 } from './standard-schema.ts';
import { isStandardSchema } from './standard-schema.ts';
import type { Row } from './patch.ts';

export type Dialect = 'postgres' | 'sqlite';

/** What an action sees of the database: one transaction, already open. */
export interface ActionTx {
  readonly dialect: Dialect;
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * Everything an action may depend on besides its args and the database. Actions must be
 * deterministic: they are replayed after a crash and re-run on the server, and must produce the same
 * rows. So use `ctx.time` instead of `Date.now()` and `ctx.id()` instead of random ids.
 */
export interface ActionContext {
  /** Globally unique id of this invocation; the same on every replay. */
  readonly actionId: string;
  /**
   * Milliseconds since the epoch. On the device, when the action was first invoked (the same on
   * every replay). On the server, the server's clock when it received the push that carries the
   * action (one value for every action of that push, like Postgres's `now()`), so authoritative
   * timestamps cannot be forged by a client: the device shows its own time until the server's rows
   * replace it at the next sync.
   */
  readonly time: number;
  /**
   * The time the invoking device claimed (its `time`): equal to `time` on the device, the client's
   * clock on the server. Untrusted there: use it only where a client may choose the value (e.g. its
   * own display order).
   */
  readonly clientTime: number;
  /** The n-th call returns `${actionId}.${n}`: ids that are unique and identical on replay. */
  id(): string;
  /** True when the server runs the action authoritatively (false in the worker). */
  readonly server: boolean;
  readonly user?: unknown;
}

export interface ActionDefinition<S extends StandardSchemaV1 = StandardSchemaV1, R = unknown> {
  args: S;
  run(tx: ActionTx, args: InferOutput<S>, ctx: ActionContext): Promise<R> | R;
  /**
   * Rewrites the args of an invocation recorded under an older schema version `fromVersion` (the
   * number of migrations then; see defineMigrations) into args for the current one: a renamed
   * field, a new required one. Runs in the worker when it replays or pushes work queued before an
   * upgrade, and on the server for a push from an older client. Must be deterministic. The result
   * is validated by `args` again; throwing turns the action into an `upgrade_rejected` rejection.
   */
  upgrade?(args: unknown, fromVersion: number): unknown;
}

export type ActionDefinitions = Record<string, ActionDefinition<any, any>>;

/** Typed tab-side callers for a set of action definitions. */
export type ActionCallers<A extends ActionDefinitions> = {
  [K in keyof A]: (args: InferInput<A[K]['args']>) => Promise<Awaited<ReturnType<A[K]['run']>>>;
};

const actionName = /^[A-Za-z_$][\w$]{0,63}$/;

/**
 * Declares the app's actions: the only way to write. Checks their shape eagerly so a broken actions
 * module fails when it loads, not at the first call.
 */
export function defineActions<const A extends ActionDefinitions>(definitions: A): A {
  if (typeof definitions !== 'object' || definitions === null) {
    throw new TandemError(ErrorKind.actionsModuleError, 'defineActions expects an object of { name: { args, run } }');
  }
  for (const [name, def] of Object.entries(definitions)) {
    if (!actionName.test(name)) {
      throw new TandemError(ErrorKind.actionsModuleError, `Action name "${name}" is not a valid identifier (letters, digits, _ and $, at most 64).`);
    }
    if (!def || !isStandardSchema(def.args)) {
      throw new TandemError(ErrorKind.actionsModuleError, `Action "${name}" needs an \`args\` Standard Schema (zod, valibot, arktype…).`);
    }
    if (typeof def.run !== 'function') {
      throw new TandemError(ErrorKind.actionsModuleError, `Action "${name}" needs a \`run(tx, args, ctx)\` function.`);
    }
    if (def.upgrade !== undefined && typeof def.upgrade !== 'function') {
      throw new TandemError(ErrorKind.actionsModuleError, `Action "${name}": \`upgrade(args, fromVersion)\` must be a function.`);
    }
  }
  return definitions;
}

function issuePath(issue: StandardIssue): string {
  if (!issue.path || issue.path.length === 0) return '(root)';
  return issue.path.map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.');
}

/**
 * Validates `args` for action `name`; throws `invalid_args` (with each failing path and reason) or
 * `unknown_action`. Returns the schema's output, which is what the action runs with and what is
 * journaled.
 */
export async function validateActionArgs(definitions: ActionDefinitions, name: unknown, args: unknown): Promise<unknown> {
  if (typeof name !== 'string' || !Object.hasOwn(definitions, name)) {
    throw new TandemError(ErrorKind.unknownAction, `Unknown action ${JSON.stringify(name)}. Known actions: ${Object.keys(definitions).join(', ') || '(none)'}.`, { name });
  }
  const def = definitions[name]!;
  const result = await (def.args as StandardSchemaV1)['~standard'].validate(args);
  if (result.issues) {
    const issues = result.issues.map((i) => ({ path: issuePath(i), message: i.message }));
    const first = issues[0];
    throw new TandemError(
      ErrorKind.invalidArgs,
      `Invalid arguments for action "${name}": ${first ? `${first.path}: ${first.message}` : 'rejected by its schema'}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}.`,
      { action: name, issues },
    );
  }
  const bad = findNonJson(result.value);
  if (bad) {
    throw new TandemError(ErrorKind.invalidArgs, `Invalid arguments for action "${name}": ${bad.path.join('.') || '(root)'}: ${bad.reason} (action args must be JSON, they are journaled and synced).`, {
      action: name,
      issues: [{ path: bad.path.join('.') || '(root)', message: bad.reason }],
    });
  }
  const bytes = jsonByteLength(result.value);
  if (bytes > ACTION_ARGS_MAX_BYTES) {
    // Refused here rather than at the push: there, it would block every action behind it.
    throw new TandemError(
      ErrorKind.tooLarge,
      `The arguments of action "${name}" are ${bytes} bytes as JSON; the limit is ${ACTION_ARGS_MAX_BYTES}. Store large content elsewhere (an asset, a blob) and pass a reference.`,
      { action: name, bytes, limit: ACTION_ARGS_MAX_BYTES },
    );
  }
  return result.value;
}

/**
 * The args an invocation recorded under schema version `fromVersion` has under `toVersion`: the
 * action's `upgrade` hook when the versions differ, then its `args` schema as for a new call.
 * Throws `upgrade_rejected` when the action is gone, the hook throws or the result is invalid.
 */
export async function upgradeActionArgs(definitions: ActionDefinitions, name: string, args: unknown, fromVersion: number, toVersion: number): Promise<unknown> {
  const def = Object.hasOwn(definitions, name) ? definitions[name] : undefined;
  const refuse = (reason: string, cause?: unknown): never => {
    throw new TandemError(ErrorKind.upgradeRejected, `Action "${name}" recorded under schema version ${fromVersion} cannot run under version ${toVersion}: ${reason}`, {
      action: name,
      args,
      fromVersion,
      toVersion,
      ...(cause !== undefined ? { cause } : {}),
    });
  };
  if (!def) return refuse('this version of the app no longer has that action.');
  let next = args;
  if (fromVersion !== toVersion && def.upgrade) {
    try {
      next = await def.upgrade(args, fromVersion);
    } catch (error) {
      return refuse(`its upgrade hook threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    return await validateActionArgs(definitions, name, next);
  } catch (error) {
    return refuse((error as Error).message, (error as TandemError).details);
  }
}

/**
 * Builds the deterministic context for one invocation. `clientTime` defaults to `time` (the device,
 * where both are the local clock); the server passes its own `time` and the client's as `clientTime`.
 */
export function createActionContext(actionId: string, time: number, extra: { server?: boolean; user?: unknown; clientTime?: number } = {}): ActionContext {
  let n = 0;
  const ctx: ActionContext = {
    actionId,
    time,
    clientTime: extra.clientTime ?? time,
    id: () => `${actionId}.${n++}`,
    server: extra.server ?? false,
    ...(extra.user !== undefined ? { user: extra.user } : {}),
  };
  return ctx;
}
