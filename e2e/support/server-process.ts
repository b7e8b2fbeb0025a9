import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVE = fileURLToPath(new URL('../../apps/demo/serve.mjs', import.meta.url));

/** A free TCP port on localhost (the OS picks; we release it and hand it to the server). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface DemoServerOptions {
  /** Extra environment (e.g. DATABASE_URL for Postgres). */
  env?: Record<string, string>;
  port?: number;
  /** Embedded PGlite data dir; a fresh temp dir by default (removed by dispose()). */
  dataDir?: string;
}

/**
 * The demo's real server (`node apps/demo/serve.mjs`) as a child process that a test can stop and
 * start again on the same port and data: the way to take devices offline, since a SharedWorker
 * ignores `context.setOffline`.
 */
export class DemoServer {
  readonly port: number;
  readonly dataDir: string;
  readonly #env: Record<string, string>;
  readonly #ownDir: boolean;
  #child: ChildProcess | null = null;
  readonly output: string[] = [];

  private constructor(port: number, dataDir: string, ownDir: boolean, env: Record<string, string>) {
    this.port = port;
    this.dataDir = dataDir;
    this.#ownDir = ownDir;
    this.#env = env;
  }

  static async start(options: DemoServerOptions = {}): Promise<DemoServer> {
    const port = options.port ?? (await freePort());
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tandem-e2e-server-')));
    const server = new DemoServer(port, dataDir, options.dataDir === undefined, options.env ?? {});
    await server.startAgain();
    return server;
  }

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** Starts the process (again) on the same port and data, and waits until it answers. */
  async startAgain(): Promise<void> {
    if (this.#child) return;
    const child = spawn(process.execPath, [SERVE], {
      env: { ...process.env, PORT: String(this.port), DATA_DIR: this.dataDir, ...this.#env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const keep = (chunk: Buffer) => this.output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', () => {
      if (this.#child === child) this.#child = null;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!this.#child) throw new Error(`The demo server exited during start-up:\n${this.output.join('\n')}`);
      try {
        const response = await fetch(`${this.url}/sync/health`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`The demo server did not answer within 30 s:\n${this.output.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the process: SIGTERM, then SIGKILL after 5 s. `crash: true` kills it at once. */
  async stop({ crash = false } = {}): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(crash ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    this.#child = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.#ownDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}
