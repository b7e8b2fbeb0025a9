// A schema upgrade in the browser: v1 of the demo runs, todos are added, the server is redeployed as
// v2 (e2e/fixtures/demo-v2: one more migration step) on the same port, and the tab reloads. The new
// worker takes over and migrates, which writes a checkpoint (runtime/migrate.ts). Checks the tab opens.
//
//   node scripts/cross-browser/upgrade-probe.mjs --browser webkit|firefox --v2 <dir with root/ and dist-server/app.mjs> [--engine sqlite] [--port 3451]
// Build v2 first as e2e/support/demo-versions.ts does (see README.md).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchFirefox, launchWebKit } from './drivers.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(process.env.TANDEM_REPO || path.join(here, '..', '..'));
const browserName = arg('browser', 'webkit');
const engine = arg('engine', 'sqlite');
const port = Number(arg('port', '3451'));
const v2 = arg('v2', path.join(repo, 'e2e', 'fixtures', 'demo-v2', 'dist', 'xb'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { startServer } = await import(pathToFileURL(path.join(repo, 'apps', 'demo', 'serve.mjs')).href);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xb-upgrade-'));
const STATE = `async () => { const ready = !!window.tandem && document.querySelector('.todoapp')?.getAttribute('data-ready') === 'true'; let status = null; try { const s = window.tandem && await window.tandem.status(); status = s && { schemaVersion: s.schemaVersion, lastError: s.lastError, lastCheckpointSeq: s.lastCheckpointSeq, journalRecords: s.journalRecords }; } catch (e) { status = { error: String(e) }; } return { ready, n: document.querySelectorAll('.todo-list li').length, shown: [...document.querySelectorAll('.tandem-error, .tandem-update, .tandem-connection')].map((e) => e.textContent), connection: window.tandem?.connection ?? null, status }; }`;

let server = await startServer({ port, engine, dataDir });
const browser = browserName === 'webkit' ? await launchWebKit() : await launchFirefox();
try {
  const A = await browser.newTab();
  await A.goto(`http://localhost:${port}/`);
  let s;
  for (let i = 0; i < 300 && !(s = await A.eval(STATE)).ready; i++) await sleep(200);
  for (const t of ['v1-a', 'v1-b']) await A.typeEnter('.new-todo', t);
  await sleep(1500);
  console.log('v1:', JSON.stringify(await A.eval(STATE)));
  await server.close();
  server = await startServer({ port, engine, dataDir, root: path.join(v2, 'root'), serverApp: path.join(v2, 'dist-server', 'app.mjs') });
  console.log('server redeployed as v2');
  const t0 = Date.now();
  await A.reload();
  let last;
  for (let i = 0; i < 150; i++) {
    last = await A.eval(STATE).catch((e) => ({ evalError: e.message }));
    if (last.ready && last.status?.schemaVersion === 1) break;
    await sleep(200);
  }
  console.log(`after reload on v2 (${Date.now() - t0} ms):`, JSON.stringify(last));
  console.log(last.ready && last.status?.schemaVersion === 1 && last.n === 2 ? 'PASS upgraded and opened' : 'FAIL');
  const out = browser.browserOutput?.() ?? [];
  for (const l of out.filter((l) => /tandem|console\.(error|warn)/.test(l))) console.log(`  ${l}`);
} finally {
  await browser.close().catch(() => {});
  await server.close();
}
process.exit(0);
