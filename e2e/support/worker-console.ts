import type { Browser, CDPSession } from '@playwright/test';

/**
 * Lists the browser's SharedWorkers and (optionally) reads their console through CDP: Playwright's
 * own API does not list shared workers. Uses the (non-flattened) Target domain of a browser-level
 * CDP session.
 *
 * Caveat (verified on Chromium 156): while a DevTools session is attached to a SharedWorker, reloading
 * its only tab does not start a new worker: the reloaded page connects to the old one, whose global
 * scope is already being torn down, and never gets an answer. So console reading (`readConsole`) is
 * opt-in, for diagnosis; listing workers (discovery only) does not attach and is safe.
 */
export class SharedWorkerConsole {
  readonly lines: string[] = [];
  readonly #cdp: CDPSession;
  readonly #sessions = new Map<string, string>(); // sessionId → target url
  readonly #replies = new Map<number, (result: unknown) => void>();
  #nextId = 1;

  private constructor(cdp: CDPSession) {
    this.#cdp = cdp;
  }

  static async attach(browser: Browser, { readConsole = false }: { readConsole?: boolean } = {}): Promise<SharedWorkerConsole> {
    const cdp = await browser.newBrowserCDPSession();
    const reader = new SharedWorkerConsole(cdp);
    if (readConsole) {
      cdp.on('Target.targetCreated', ({ targetInfo }) => {
        if (targetInfo.type === 'shared_worker') void reader.#attachTo(targetInfo.targetId, targetInfo.url);
      });
      cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => reader.#onMessage(sessionId, message));
    }
    await cdp.send('Target.setDiscoverTargets', { discover: true });
    if (readConsole) {
      const { targetInfos } = await cdp.send('Target.getTargets');
      for (const t of targetInfos) if (t.type === 'shared_worker') await reader.#attachTo(t.targetId, t.url);
    } else {
      reader.lines.push('[cdp] shared worker console not read (set E2E_WORKER_CONSOLE=1 to read it; it breaks reloads of a lone tab)');
    }
    return reader;
  }

  /** Target ids of the shared workers alive right now. */
  async sharedWorkerIds(): Promise<string[]> {
    const { targetInfos } = await this.#cdp.send('Target.getTargets');
    return targetInfos.filter((t) => t.type === 'shared_worker').map((t) => t.targetId);
  }

  async #attachTo(targetId: string, url: string): Promise<void> {
    try {
      const { sessionId } = await this.#cdp.send('Target.attachToTarget', { targetId, flatten: false });
      this.#sessions.set(sessionId, url);
      for (const method of ['Runtime.enable', 'Runtime.runIfWaitingForDebugger']) {
        await this.#cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: this.#nextId++, method }) });
      }
    } catch (e) {
      this.lines.push(`[cdp] could not attach to shared worker ${url}: ${(e as Error).message}`);
    }
  }

  #onMessage(sessionId: string, message: string): void {
    let msg: { id?: number; result?: unknown; error?: unknown; method?: string; params?: Record<string, any> };
    try {
      msg = JSON.parse(message);
    } catch {
      return;
    }
    if (msg.id !== undefined) {
      this.#replies.get(msg.id)?.(msg.result ?? msg.error);
      this.#replies.delete(msg.id);
      return;
    }
    const at = new Date().toISOString().slice(11, 23);
    if (msg.method === 'Runtime.consoleAPICalled') {
      const text = (msg.params!.args as { value?: unknown; description?: string; type: string }[])
        .map((a) => (a.value !== undefined ? (typeof a.value === 'string' ? a.value : JSON.stringify(a.value)) : (a.description ?? a.type)))
        .join(' ');
      this.lines.push(`${at} [shared worker ${msg.params!.type}] ${text}`);
    } else if (msg.method === 'Runtime.exceptionThrown') {
      const d = msg.params!.exceptionDetails;
      this.lines.push(`${at} [shared worker exception] ${d.exception?.description ?? d.text}`);
    }
  }

  /**
   * Evaluates `expression` in every attached shared worker (for diagnosis); a worker whose event
   * loop is blocked answers 'timeout'.
   */
  async evaluate(expression: string, timeoutMs = 2_000): Promise<unknown[]> {
    return Promise.all(
      [...this.#sessions.keys()].map(async (sessionId) => {
        const id = this.#nextId++;
        const reply = new Promise<unknown>((resolve) => {
          this.#replies.set(id, resolve);
          setTimeout(() => resolve('timeout'), timeoutMs);
        });
        await this.#cdp
          .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, awaitPromise: true, returnByValue: true } }) })
          .catch((e: Error) => this.#replies.get(id)?.(`error: ${e.message}`));
        return reply;
      }),
    );
  }

  async detach(): Promise<void> {
    await this.#cdp.detach().catch(() => {});
  }
}
