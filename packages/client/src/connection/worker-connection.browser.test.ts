import { describe, expect, it } from 'vitest';
import { expose } from 'comlink';
import { ErrorKind, workerLifeLockName } from '@tandem/core';
import type { ConnectResult } from '@tandem/core';
import type { ConnectionState } from './connection-state.ts';
import type { WorkerConnector } from './connector.ts';
import { SILENT_ATTEMPTS, START_TIMEOUT_FACTOR, WorkerConnection } from './worker-connection.ts';

// WorkerConnection against stand-in workers: each is a MessagePort serving a Comlink API and holding
// its life lock (a real Web Lock) until it is killed. What the real worker does is tested in e2e;
// here, what the tab does when a fresh worker refuses it for good.

interface FakeWorker {
  kill(): void;
}

function fakeWorker(port: MessagePort, answer: (n: number) => ConnectResult | { kind: string; message: string; details?: unknown }, n: number): FakeWorker {
  const workerId = crypto.randomUUID();
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    void navigator.locks.request(workerLifeLockName(workerId), () => {
      resolve();
      return new Promise<void>((r) => (release = r));
    });
  });
  void held.then(() => {
    port.postMessage({ tandem: 'worker', workerId });
    expose(
      {
        async connect() {
          const a = answer(n);
          if ('kind' in a) throw a;
          return { ...a, workerId };
        },
        async ping() {
          return n;
        },
      },
      port,
    );
  });
  return {
    kill() {
      port.close();
      release();
    },
  };
}

function connector(answer: (n: number) => ConnectResult | { kind: string; message: string; details?: unknown }): { connector: WorkerConnector; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  return {
    workers,
    connector: {
      host: 'shared-worker',
      async open() {
        const channel = new MessageChannel();
        workers.push(fakeWorker(channel.port2, answer, workers.length));
        return { endpoint: channel.port1, failed: new Promise<never>(() => {}), close: () => channel.port1.close() };
      },
      dispose() {},
    },
  };
}

const result = { clientId: 'c', version: 'v1', schemaVersion: 1, actions: [] } as unknown as ConnectResult;
const outdated = { kind: ErrorKind.updateRequired, message: 'A newer version runs now.', details: { next: { version: 'v2', schemaVersion: 2 } } };

describe('WorkerConnection', () => {
  it('reconnects to a fresh worker after a death and retries the call that had no answer', async () => {
    const { connector: c, workers } = connector(() => result);
    const states: ConnectionState[] = [];
    const connection = new WorkerConnection({ connector: c, request: { tabId: 't', config: {} } as never, timeoutMs: 5_000, onEvent() {}, toError: (e) => e, restore: async () => {} });
    connection.onState((s) => states.push(s));
    await connection.open();
    workers[0]!.kill();
    // Answered by the second worker: the first died before it could.
    expect(await connection.call((api) => api.ping())).toBe(1);
    expect(states).toEqual(['ready', 'reconnecting', 'ready']);
    connection.close();
  });

  it('a fresh worker that refuses the tab for good: state failed, waiting calls fail with its reason, onFailed hears it, no more attempts', async () => {
    const { connector: c, workers } = connector((n) => (n === 0 ? result : outdated));
    const states: ConnectionState[] = [];
    const failures: unknown[] = [];
    const connection = new WorkerConnection({
      connector: c,
      request: { tabId: 't', config: {} } as never,
      timeoutMs: 5_000,
      onEvent() {},
      toError: (e) => e,
      restore: async () => {},
      onFailed: (e) => failures.push(e),
    });
    const failed = new Promise<void>((resolve) => connection.onState((s) => (states.push(s), s === 'failed' && resolve())));
    await connection.open();
    workers[0]!.kill();
    await expect(connection.call((api) => api.ping())).rejects.toMatchObject({ kind: ErrorKind.updateRequired });
    await failed;
    expect(states).toEqual(['ready', 'reconnecting', 'failed']);
    expect(connection.state).toBe('failed');
    expect(connection.failure).toMatchObject({ kind: ErrorKind.updateRequired });
    expect(failures).toEqual([expect.objectContaining({ kind: ErrorKind.updateRequired })]);
    // Later calls fail at once with the same reason, and no worker is started for them.
    await expect(connection.call((api) => api.ping())).rejects.toMatchObject({ kind: ErrorKind.updateRequired });
    expect(workers).toHaveLength(2);
    connection.close();
    expect(connection.state).toBe('closed');
  });

  describe('timeouts: timeoutMs is for the worker to show life, a live one gets START_TIMEOUT_FACTOR times as long', () => {
    /** A stand-in worker that says hello (or not) and answers connect when `answered` resolves. */
    function slowConnector(o: { hello: boolean; answered: Promise<void> }): WorkerConnector {
      return {
        host: 'shared-worker',
        async open() {
          const channel = new MessageChannel();
          const workerId = crypto.randomUUID();
          void navigator.locks.request(workerLifeLockName(workerId), () => {
            if (o.hello) channel.port2.postMessage({ tandem: 'worker', workerId });
            expose({ connect: async () => (await o.answered, { ...result, workerId }) }, channel.port2);
            return new Promise<void>(() => {});
          });
          return { endpoint: channel.port1, failed: new Promise<never>(() => {}), close: () => channel.port1.close() };
        },
        dispose() {},
      };
    }
    const open = (c: WorkerConnector) =>
      new WorkerConnection({ connector: c, request: { tabId: 't', config: {} } as never, timeoutMs: 300, onEvent() {}, toError: (e) => e, restore: async () => {} });

    it('a worker that said hello may take longer than timeoutMs to open the database (a first visit on a slow network)', async () => {
      let answer!: () => void;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      const connection = open(slowConnector({ hello: true, answered }));
      const opened = connection.open();
      // Past timeoutMs (300 ms), within 10 × 300 ms.
      setTimeout(answer, 900);
      await expect(opened).resolves.toMatchObject({ clientId: 'c' });
      expect(connection.state).toBe('ready');
      connection.close();
    });

    it('a worker that never says hello fails after SILENT_ATTEMPTS attempts of timeoutMs each', async () => {
      let opens = 0;
      const silent = slowConnector({ hello: false, answered: new Promise(() => {}) });
      const counting: WorkerConnector = { ...silent, open: () => (opens++, silent.open()) };
      const connection = open(counting);
      await expect(connection.open()).rejects.toMatchObject({
        kind: ErrorKind.notReady,
        message: expect.stringMatching(/^The Tandem worker did not answer within 300 ms\. \(3 attempts\)\. Check that the worker script loads: .*worker-src/),
        details: { waitedFor: 'hello' },
      });
      expect(opens).toBe(SILENT_ATTEMPTS);
      connection.close();
    });

    it('a worker killed before its hello (no death to watch): the next attempt reaches a fresh one', async () => {
      const silent = slowConnector({ hello: false, answered: new Promise(() => {}) });
      const fresh = slowConnector({ hello: true, answered: Promise.resolve() });
      let opens = 0;
      const connection = open({ ...fresh, open: () => (opens++ === 0 ? silent.open() : fresh.open()) });
      await expect(connection.open()).resolves.toMatchObject({ clientId: 'c' });
      expect(opens).toBe(2);
      connection.close();
    });

    it('a live worker that never opens the database fails after START_TIMEOUT_FACTOR × timeoutMs', async () => {
      const connection = open(slowConnector({ hello: true, answered: new Promise(() => {}) }));
      await expect(connection.open()).rejects.toMatchObject({ kind: ErrorKind.notReady, message: `The Tandem worker started but did not open the local database within ${START_TIMEOUT_FACTOR * 300} ms.` });
      connection.close();
    });
  });
});
