import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ConnectionGate } from './connection-gate.ts';
import { freePort } from './free-port.ts';

/** What the server process gets to know: where to listen and where to keep its data. */
export interface ServerSlot {
  /** The port the process must listen on (browsers reach it through the gate, on `url`). */
  port: number;
  /** A fresh directory for this server's data, kept across restarts, removed on dispose. */
  dataDir: string;
}

export interface TandemServerOptions {
  /** Shell command that starts the app's server, e.g. `node server.mjs`. */
  command: string;
  /** Working directory of the command (default: the current one). */
  cwd?: string;
  /**
   * Environment for the command, on top of the current one. Default `{ PORT, DATA_DIR }`; a function
   * gets the slot to build your own names.
   */
  env?: Record<string, string> | ((slot: ServerSlot) => Record<string, string>);
  /** Path that answers 2xx once the server is ready (default `/`). */
  readyPath?: string;
  /** How long start-up may take, ms (default 30 000). */
  startTimeoutMs?: number;
  /** Public port browsers connect to (default: a free one). Kept across restarts. */
  port?: number;
  /** Data directory to use instead of a fresh temporary one (then it is not removed). */
  dataDir?: string;
}

/**
 * The app's server as a child process behind a `ConnectionGate`, so a test can take every device
 * offline in three ways: `stop()` (the process ends, graceful or `crash: true`), `refuse()` (the
 * process keeps running but nobody can reach it) and, back, `start()` / `accept()`. The public URL
 * stays the same throughout, as a real server's would.
 */
export class TandemServer {
  /** Output of the process (stdout and stderr), line by line, across restarts. */
  readonly output: string[] = [];
  readonly slot: ServerSlot;
  readonly #options: TandemServerOptions;
  readonly #gate: ConnectionGate;
  readonly #ownDataDir: boolean;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();

  private constructor(options: TandemServerOptions, slot: ServerSlot, publicPort: number) {
    this.#options = options;
    this.slot = slot;
    this.#gate = new ConnectionGate(publicPort, slot.port);
    this.#ownDataDir = options.dataDir === undefined;
  }

  /** Starts the process and opens the gate; resolves once `readyPath` answers. */
  static async start(options: TandemServerOptions): Promise<TandemServer> {
    if (typeof options?.command !== 'string' || options.command.trim() === '') {
      throw new TypeError('TandemServer needs `command`: the shell command that starts your server, e.g. "node server.mjs".');
    }
    const slot = { port: await freePort(), dataDir: options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tandem-server-'))) };
    const server = new TandemServer(options, slot, options.port ?? (await freePort()));
    try {
      await server.start();
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** Where browsers reach the server (through the gate). */
  get url(): string {
    return `http://localhost:${this.#gate.port}`;
  }

  get port(): number {
    return this.#gate.port;
  }

  get dataDir(): string {
    return this.slot.dataDir;
  }

  /** The process is running. */
  get running(): boolean {
    return this.#child !== null;
  }

  /** Browsers can connect (the process runs and the gate is open). */
  get reachable(): boolean {
    return this.running && this.#gate.open;
  }

  /** Starts the process (if stopped) on the same port and data, waits until ready, opens the gate. */
  async start(): Promise<void> {
    if (!this.#child) await this.#spawn();
    await this.#gate.accept();
  }

  /**
   * Ends the process: SIGTERM, then SIGKILL after 5 s; `crash: true` sends SIGKILL at once. The whole
   * process group goes, so a shell's child does not outlive it.
   */
  async stop({ crash = false }: { crash?: boolean } = {}): Promise<void> {
    await this.#gate.refuse();
    const child = this.#child;
    if (!child) return;
    this.#signal(child, crash ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => this.#signal(child, 'SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
    if (this.#child === child) this.#child = null;
    // The shell may exit before the server it started: wait until the port is free (a zombie still
    // answers `kill(pid, 0)`, so the port is the reliable sign), SIGKILL the group if it is not.
    if (!(await portClosed(this.slot.port, 5_000))) {
      this.#signal(child, 'SIGKILL');
      await portClosed(this.slot.port, 5_000);
    }
  }

  async restart(options: { crash?: boolean } = {}): Promise<void> {
    await this.stop(options);
    await this.start();
  }

  /** Keeps the process running but refuses connections and resets open ones: the network is gone. */
  refuse(): Promise<void> {
    return this.#gate.refuse();
  }

  /** Lets connections through again (after `refuse()`). Starts nothing: see `start()`. */
  accept(): Promise<void> {
    if (!this.#child) return Promise.reject(new Error('The server process is stopped: call start(), not accept().'));
    return this.#gate.accept();
  }

  /** Stops everything and removes the temporary data directory. */
  async dispose(): Promise<void> {
    await this.stop();
    // The port closes before a server's graceful shutdown ends: it may still be flushing its data
    // directory (PGlite writes pg_logical on close), so a removal can meet a file created meanwhile
    // (ENOTEMPTY). Node's retries wait out that last write.
    if (this.#ownDataDir) await rm(this.slot.dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }

  #env(): Record<string, string> {
    const env = this.#options.env;
    if (typeof env === 'function') return env(this.slot);
    return { PORT: String(this.slot.port), DATA_DIR: this.slot.dataDir, ...env };
  }

  #signal(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  }

  async #spawn(): Promise<void> {
    const child = spawn(this.#options.command, {
      shell: true,
      // Its own process group: signals reach the server, not only the shell that started it.
      detached: true,
      cwd: this.#options.cwd,
      env: { ...process.env, ...this.#env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void this.#exited.then(() => {
      if (this.#child === child) this.#child = null;
    });
    const keep = (chunk: Buffer) => this.output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    killOnExit.add(child);
    void this.#exited.then(() => killOnExit.delete(child));

    const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
    const readyUrl = `http://127.0.0.1:${this.slot.port}${this.#options.readyPath ?? '/'}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#child !== child) {
        throw new Error(`The server (\`${this.#options.command}\`) exited during start-up. Its output:\n${this.#tail()}`);
      }
      const status = await fetch(readyUrl).then((r) => r.status, () => 0);
      if (status >= 200 && status < 300) return;
      if (Date.now() > deadline) {
        await this.stop();
        const answered = status ? `it answered ${status} at ${readyUrl}` : `nothing listened on port ${this.slot.port} (does it read the port from the environment?)`;
        throw new Error(`The server (\`${this.#options.command}\`) was not ready within ${timeoutMs} ms: ${answered}. Its output:\n${this.#tail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #tail(): string {
    return this.output.slice(-40).join('\n') || '(none)';
  }
}

/** Resolves true once nothing accepts connections on `port`, false after `withinMs`. */
async function portClosed(port: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!open) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Server processes still running when the test runner exits are killed with it. */
const killOnExit = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of killOnExit) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
