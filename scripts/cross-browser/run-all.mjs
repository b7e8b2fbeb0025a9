// Starts one instrumented demo server per engine, runs run.mjs for every browser × engine × mode,
// then prints a table (and writes it to $XB_OUT/summary.md, default /tmp/xb/results).
//
//   TANDEM_REPO=/work/main node scripts/cross-browser/run-all.mjs [--browsers firefox,webkit] [--engines pglite,sqlite] [--modes shared,dedicated]
//
// Ports: XB_PORT_PGLITE (default 3411) and XB_PORT_SQLITE (3412); data in a fresh temporary directory.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : def).split(',');
};
const browsers = arg('browsers', 'firefox,webkit');
const engines = arg('engines', 'pglite,sqlite');
const modes = arg('modes', 'shared,dedicated');
const outDir = process.env.XB_OUT || '/tmp/xb/results';
mkdirSync(outDir, { recursive: true });
const ports = { pglite: Number(process.env.XB_PORT_PGLITE || 3411), sqlite: Number(process.env.XB_PORT_SQLITE || 3412) };
const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'xb-data-'));

const servers = [];
for (const engine of engines) {
  const proc = spawn(process.execPath, [path.join(here, 'serve-instrumented.mjs')], {
    env: { ...process.env, TANDEM_ENGINE: engine, PORT: String(ports[engine]), DATA_DIR: path.join(dataRoot, engine) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(proc);
  await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      process.stdout.write(d);
      if (String(d).includes('instrumented Tandem demo at')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`server for ${engine} exited with ${code}`)));
  });
}

const rows = [];
try {
  for (const browser of browsers)
    for (const engine of engines)
      for (const mode of modes) {
        const out = path.join(outDir, `${browser}-${engine}-${mode}.json`);
        console.log(`\n=== ${browser} × ${engine} × ${mode}`);
        await new Promise((resolve) => {
          const p = spawn(process.execPath, [path.join(here, 'run.mjs'), '--browser', browser, '--base', `http://localhost:${ports[engine]}`, '--mode', mode, '--out', out], { stdio: 'inherit' });
          p.once('exit', resolve);
        });
        try {
          const r = JSON.parse(readFileSync(out, 'utf8'));
          rows.push({ browser: `${browser} ${r.version}`, engine, mode, r });
        } catch (e) {
          rows.push({ browser, engine, mode, r: { results: [{ scenario: 'harness', pass: false, error: e.message }], logs: [] } });
        }
      }
} finally {
  for (const s of servers) s.kill('SIGTERM');
}

const scenarios = [...new Set(rows.flatMap((x) => x.r.results.map((r) => r.scenario)))];
const lines = [`| browser | engine | mode | ${scenarios.join(' | ')} | page errors |`, `|${' --- |'.repeat(scenarios.length + 4)}`];
for (const { browser, engine, mode, r } of rows) {
  const cell = (sc) => {
    const x = r.results.find((y) => y.scenario === sc);
    if (!x) return '–';
    const ms = x.readyMs ?? x.msFromClose ?? x.inAms ?? x.ms;
    return `${x.pass ? 'pass' : '**FAIL**'} ${ms ?? ''}ms`;
  };
  const errs = r.logs.filter((l) => !l.text.includes('[xb] capture self-test')).length;
  lines.push(`| ${browser} | ${engine} | ${mode} | ${scenarios.map(cell).join(' | ')} | ${errs} |`);
}
const table = lines.join('\n');
writeFileSync(path.join(outDir, 'summary.md'), table + '\n');
console.log(`\n${table}\n\n(${path.join(outDir, 'summary.md')}; per-run JSON with errors and logs next to it)`);
