#!/usr/bin/env node
// `npm test`: builds, typechecks, checks the imports, then runs every suite (unit in Node, browser
// tests in Chromium, Postgres suites, the packed packages, Playwright e2e) and ends with one line
// `N passed, M failed[, K skipped]`.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

const reports = join(process.cwd(), 'test-results');
await rm(reports, { recursive: true, force: true });
await mkdir(reports, { recursive: true });

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Like run, and also returns what it printed (echoed as it comes). */
function runCapturing(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];

async function step(name, cmd, args) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const code = await run(cmd, args);
  if (code !== 0) problems.push(`${name} exited with ${code}`);
  return code;
}

if ((await step('build', 'npx', ['turbo', 'run', 'build', '--output-logs=errors-only'])) !== 0) {
  console.log('\nbuild failed: no suite can run');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
await step('typecheck', 'npx', ['turbo', 'run', 'typecheck', '--output-logs=errors-only']);
// Imports go one way: no cycle between files or folders, no worker layer importing a higher one.
await step('imports', 'node', ['scripts/check-imports.mjs']);

// Vitest: unit (Node), browser (Chromium) and pg (PostgreSQL) projects.
const vitestJson = join(reports, 'vitest.json');
await step('vitest', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
try {
  const report = JSON.parse(await readFile(vitestJson, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  if (report.numTotalTests === 0) problems.push('vitest ran no test');
} catch (error) {
  problems.push(`vitest wrote no report (${error.message})`);
  totals.failed++;
}

// The packages as an adopter installs them (scripts/pack-test.mjs): each PASS/FAIL line counts.
console.log('\n=== pack: node scripts/pack-test.mjs');
const pack = await runCapturing('node', ['scripts/pack-test.mjs']);
const packCounts = /^(\d+) passed, (\d+) failed$/m.exec(pack.output);
if (packCounts) {
  totals.passed += Number(packCounts[1]);
  totals.failed += Number(packCounts[2]);
  if (pack.code !== 0 && Number(packCounts[2]) === 0) problems.push(`pack test exited with ${pack.code}`);
} else {
  problems.push(`pack test printed no counts (exit ${pack.code})`);
  totals.failed++;
}

// Playwright e2e in Debian's Chromium.
const pwJson = join(reports, 'playwright.json');
console.log('\n=== e2e: playwright test');
const pwCode = await run('npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
try {
  const stats = JSON.parse(await readFile(pwJson, 'utf8')).stats;
  totals.passed += stats.expected + stats.flaky;
  totals.failed += stats.unexpected;
  totals.skipped += stats.skipped;
  if (stats.expected + stats.unexpected + stats.flaky === 0) problems.push('playwright ran no test');
  if (pwCode !== 0 && stats.unexpected === 0) problems.push(`playwright exited with ${pwCode}`);
} catch (error) {
  problems.push(`playwright wrote no report (${error.message})`);
  totals.failed++;
}

if (problems.length) console.log(`\nproblems:\n- ${problems.join('\n- ')}`);
const failed = totals.failed + (problems.length && totals.failed === 0 ? 1 : 0);
console.log(`\n${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
