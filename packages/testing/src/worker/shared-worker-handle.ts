import type { Browser, CDPSession, Page } from '@playwright/test';
import { closeWorkerTarget, findWorkerTarget } from './worker-targets.ts';
import type { FindWorkerOptions, TargetInfo } from './worker-targets.ts';

export type AttachOptions = FindWorkerOptions;

interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  description?: string;
  preview?: { overflow: boolean; properties: { name: string; type: string; value?: string }[] };
}

/** A console argument as text: strings as they are, values as JSON, objects from their preview. */
function formatArg(a: RemoteObject): string {
  if (a.value !== undefined) return typeof a.value === 'string' ? a.value : JSON.stringify(a.value);
  if (a.preview && (a.type === 'object' || a.subtype === 'array')) {
    const show = (p: { type: string; value?: string }) => (p.type === 'string' ? JSON.stringify(p.value ?? '') : (p.value ?? p.type));
    const more = a.preview.overflow ? ',…' : '';
    if (a.subtype === 'array') return `[${a.preview.properties.map(show).join(',')}${more}]`;
    return `{${a.preview.properties.map((p) => `${JSON.stringify(p.name)}:${show(p)}`).join(',')}${more}}`;
  }
  return a.description ?? a.type;
}

interface ProtocolMessage {
  id?: number;
  result?: { result?: { value?: unknown; description?: string }; exceptionDetails?: { text: string; exception?: { description?: string } } };
  error?: { message: string };
  method?: string;
  params?: Record<string, any>;
}

/**
 * The page's SharedWorker through the Chrome DevTools Protocol: Playwright's own API does not list
 * shared workers. `console` collects what the worker logs from the moment of attaching; `evaluate`
 * runs code in the worker's global scope.
 *
 * Caveat (Chromium 156): while attached, reloading the worker's *only* tab does not start a fresh
 * worker; the page reconnects to the old one, which is shutting down, and hangs. Detach before such a
 * reload (the fixture detaches at the end of each test).
 */
export class SharedWorkerHandle {
  readonly console: string[] = [];
  readonly targetId: string;
  readonly url: string;
  readonly #cdp: CDPSession;
  readonly #sessionId: string;
  readonly #replies = new Map<number, (message: ProtocolMessage) => void>();
  #nextId = 1;
  #detached = false;

  private constructor(cdp: CDPSession, target: TargetInfo, sessionId: string) {
    this.#cdp = cdp;
    this.targetId = target.targetId;
    this.url = target.url;
    this.#sessionId = sessionId;
    cdp.on('Target.receivedMessageFromTarget', ({ sessionId: from, message }) => {
      if (from === this.#sessionId) this.#onMessage(message);
    });
  }

  /** Finds the shared worker of `page`'s browser context and attaches to it. */
  static async attach(page: Page, options: AttachOptions = {}): Promise<SharedWorkerHandle> {
    const { cdp, target } = await findWorkerTarget(page, options, 'worker');
    try {
      const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
      const handle = new SharedWorkerHandle(cdp, target, sessionId);
      await handle.#send('Runtime.enable');
      await handle.#send('Runtime.runIfWaitingForDebugger').catch(() => {});
      return handle;
    } catch (error) {
      await cdp.detach().catch(() => {});
      throw error;
    }
  }

  /** Whether the shared worker `targetId` still runs (e.g. to prove it ended with its last tab). */
  static async alive(browser: Browser, targetId: string): Promise<boolean> {
    const cdp = await browser.newBrowserCDPSession();
    try {
      const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
      return targetInfos.some((t) => t.targetId === targetId);
    } finally {
      await cdp.detach().catch(() => {});
    }
  }

  /**
   * Evaluates in the worker: an expression, or a function (serialised, so it cannot close over
   * Node values) called with `arg`. Resolves with the JSON value; rejects with the worker's error.
   */
  async evaluate<R = unknown, A = undefined>(code: string | ((arg: A) => R | Promise<R>), arg?: A, { timeout = 10_000 } = {}): Promise<R> {
    const expression = typeof code === 'string' ? code : `(${code.toString()})(${JSON.stringify(arg)})`;
    const reply = await this.#send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, timeout);
    const details = reply.result?.exceptionDetails;
    if (details) throw new Error(`The shared worker threw: ${details.exception?.description ?? details.text}`);
    return reply.result?.result?.value as R;
  }

  /**
   * Kills this worker as `killWorker(page)` does (every tab it serves loses it), resolves once it is
   * gone, and detaches. `console` keeps what it logged until then.
   */
  async kill({ timeout = 10_000 }: { timeout?: number } = {}): Promise<void> {
    if (this.#detached) throw new Error('This shared worker handle is detached.');
    // Detach from the worker before closing it: while a DevTools session is attached, Chromium
    // keeps the worker's target for a restart, and the tabs (which reconnect at once) would start
    // the fresh worker under this very targetId.
    this.#detached = true;
    await this.#cdp.send('Target.detachFromTarget', { sessionId: this.#sessionId }).catch(() => {});
    try {
      await closeWorkerTarget(this.#cdp, this.targetId, timeout);
    } finally {
      await this.#cdp.detach().catch(() => {});
    }
  }

  async detach(): Promise<void> {
    if (this.#detached) return;
    this.#detached = true;
    await this.#cdp.detach().catch(() => {});
  }

  async #send(method: string, params: Record<string, unknown> = {}, timeout = 10_000): Promise<ProtocolMessage> {
    if (this.#detached) throw new Error('This shared worker handle is detached.');
    const id = this.#nextId++;
    const reply = new Promise<ProtocolMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(new Error(`The shared worker did not answer ${method} within ${timeout} ms (is its event loop blocked?).`));
      }, timeout);
      this.#replies.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message);
      });
    });
    await this.#cdp.send('Target.sendMessageToTarget', { sessionId: this.#sessionId, message: JSON.stringify({ id, method, params }) });
    return reply;
  }

  #onMessage(raw: string): void {
    let message: ProtocolMessage;
    try {
      message = JSON.parse(raw) as ProtocolMessage;
    } catch {
      return;
    }
    if (message.id !== undefined) {
      this.#replies.get(message.id)?.(message);
      this.#replies.delete(message.id);
      return;
    }
    if (message.method === 'Runtime.consoleAPICalled') {
      const text = (message.params!.args as RemoteObject[]).map(formatArg).join(' ');
      this.console.push(`[${message.params!.type}] ${text}`);
    } else if (message.method === 'Runtime.exceptionThrown') {
      const d = message.params!.exceptionDetails;
      this.console.push(`[exception] ${d.exception?.description ?? d.text}`);
    }
  }
}
