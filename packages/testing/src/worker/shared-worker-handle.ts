import type { Browser, CDPSession, Page } from '@playwright/test';

export interface AttachOptions {
  /** Which shared worker of the page's context, when it has several (default: the Tandem one). */
  url?: string | RegExp;
  /** How long to wait for the worker to appear, ms (default 10 000). */
  timeout?: number;
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
  browserContextId?: string;
}

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
  static async attach(page: Page, { url, timeout = 10_000 }: AttachOptions = {}): Promise<SharedWorkerHandle> {
    const pageSession = await page.context().newCDPSession(page);
    const { targetInfo } = (await pageSession.send('Target.getTargetInfo')) as { targetInfo: TargetInfo };
    await pageSession.detach().catch(() => {});
    const browser = page.context().browser();
    if (!browser) throw new Error('worker(page) needs a Browser-launched context (a persistent context has no browser-level CDP session in Playwright).');
    const cdp = await browser.newBrowserCDPSession();
    const matches = (t: TargetInfo) =>
      t.type === 'shared_worker' &&
      t.browserContextId === targetInfo.browserContextId &&
      (url === undefined ? true : typeof url === 'string' ? t.url.includes(url) : url.test(t.url));
    const deadline = Date.now() + timeout;
    let seen: TargetInfo[] = [];
    for (;;) {
      const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
      seen = targetInfos.filter((t) => t.type === 'shared_worker');
      const candidates = targetInfos.filter(matches);
      // Without a url, prefer Tandem's bundle when the app runs other shared workers too.
      const target = candidates.find((t) => url !== undefined || /tandem/i.test(t.url)) ?? candidates[0];
      if (target) {
        const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
        const handle = new SharedWorkerHandle(cdp, target, sessionId);
        await handle.#send('Runtime.enable');
        await handle.#send('Runtime.runIfWaitingForDebugger').catch(() => {});
        return handle;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await cdp.detach().catch(() => {});
    const others = seen.length ? ` Shared workers in the browser: ${seen.map((t) => t.url).join(', ')}.` : ' The browser runs no shared worker at all.';
    throw new Error(`No shared worker${url ? ` matching ${String(url)}` : ''} in the context of ${page.url()} after ${timeout} ms: has the page opened Tandem yet?${others}`);
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
