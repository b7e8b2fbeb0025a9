/**
 * `@hono/node-ws` reports a socket's errors (a frame that breaks the protocol: invalid UTF-8, too
 * large, unmasked) with `new ErrorEvent('error', { error })`. Node 20 has no global ErrorEvent, so
 * that throws, the library prints the ReferenceError, and the app's `onError` never runs. This
 * installs a minimal one, only when missing: the shape the library and our handler use
 * (`type`, `error`, `message`), on Node's own Event. Called where the socket library is set up.
 */
export function ensureErrorEvent(): void {
  if (typeof (globalThis as { ErrorEvent?: unknown }).ErrorEvent === 'function') return;
  class ErrorEvent extends Event {
    readonly error: unknown;
    readonly message: string;
    constructor(type: string, init: { error?: unknown; message?: string } & EventInit = {}) {
      super(type, init);
      this.error = init.error;
      this.message = init.message ?? (init.error instanceof Error ? init.error.message : '');
    }
  }
  Object.defineProperty(globalThis, 'ErrorEvent', { value: ErrorEvent, writable: true, configurable: true, enumerable: false });
}
