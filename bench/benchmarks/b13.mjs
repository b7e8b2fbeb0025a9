// B13: start-up with one pending migration on a 10k-row database, against the same start-up without
// one. B14: hand-off to a new version, from the new tab's openTandem() to its first live result,
// against a second tab of the running version joining.
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { summarize } from '../lib/stats.mjs';

async function populate(browser, name, engine, rows, perAction) {
  const setup = await benchPage(browser.context, ` ${name}-setup`);
  await setup.evaluate((o) => globalThis.bench.b9Populate(o), { name, engine, rows, perAction });
  await setup.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
}

async function openOnce(browser, name, engine, actionsFile) {
  const page = await benchPage(browser.context, ` ${name}`);
  const r = await page.evaluate((o) => globalThis.bench.b13Open(o), { name, engine, actionsFile });
  return { page, r };
}

export async function b13Migrate({ browser, engine = 'pglite', rows = 10_000, perAction = 50, samples = 3 }) {
  const base = engineDb('b13-base', engine);
  await populate(browser, base, engine, rows, perAction);
  const migrated = [];
  const plain = [];
  let logs = null;
  for (let i = 0; i < samples; i++) {
    // Each migrating start needs a database still at version 0: a fresh one per sample.
    const name = engineDb(`b13-m${i}`, engine);
    await populate(browser, name, engine, rows, perAction);
    for (const which of i % 2 ? ['plain', 'migrate'] : ['migrate', 'plain']) {
      const db = which === 'migrate' ? name : base;
      const { page, r } = await openOnce(browser, db, engine, which === 'migrate' ? './actions-next.js' : './actions.js');
      if (r.n !== rows) throw new Error(`${db}: saw ${r.n} rows, expected ${rows}`);
      const wanted = which === 'migrate' ? 1 : 0;
      if (r.schemaVersion !== wanted) throw new Error(`${db}: schema version ${r.schemaVersion}, expected ${wanted}`);
      (which === 'migrate' ? migrated : plain).push(r.ms);
      if (which === 'migrate') logs = r.log;
      await page.close();
      await waitForWorkerGone(browser.cdp, `tandem:${db}`);
    }
  }
  const subject = summarize(migrated);
  const baseline = summarize(plain);
  return [
    {
      id: engineId('B13', engine),
      title: engineTitle(`Cold start with one pending migration, ${rows.toLocaleString('en')}-row database: openTandem() → first live result`, engine),
      unit: 'ms',
      subject,
      baseline: { label: 'the same cold start without a migration (B9b\'s subject)', ...baseline },
      ratio: subject.median / baseline.median,
      target: 'report',
      pass: null,
      method: `${samples} databases of ${rows} rows (${Math.ceil(rows / perAction)} \`addMany\` actions, checkpointed), each opened once with the next version of the actions module (one \`ALTER TABLE … ADD COLUMN … DEFAULT 0\` step), alternating with cold starts of a same-size database at its own version; worker death awaited between runs. The migrating start includes the step, re-installing capture and the checkpoint written before the first live result. Worker log of the last one: ${JSON.stringify(logs)}.`,
    },
  ];
}

export async function b14Handoff({ browser, engine = 'pglite', rows = 1000, samples = 8 }) {
  const name = engineDb('b14', engine);
  const holder = await benchPage(browser.context, ` ${name}-holder`);
  await holder.evaluate((o) => globalThis.bench.b9Hold(o), { name, engine, rows, perAction: 50 });
  // The holder runs actions.js; each hand-off sample brings the other build.
  let running = './actions.js';
  const handoff = [];
  const join = [];
  let logs = null;
  for (let i = 0; i < samples; i++) {
    for (const which of i % 2 ? ['join', 'handoff'] : ['handoff', 'join']) {
      const file = which === 'join' ? running : running === './actions.js' ? './actions-alt.js' : './actions.js';
      const { page, r } = await openOnce(browser, name, engine, file);
      if (r.n !== rows) throw new Error(`${name}: saw ${r.n} rows after ${which}, expected ${rows}`);
      (which === 'join' ? join : handoff).push(r.ms);
      if (which === 'handoff') logs = r.log;
      running = file;
      await page.close();
    }
  }
  await holder.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
  const subject = summarize(handoff);
  const baseline = summarize(join);
  return [
    {
      id: engineId('B14', engine),
      title: engineTitle(`Hand-off to a new version (${rows.toLocaleString('en')}-row database): new tab's openTandem() → first live result`, engine),
      unit: 'ms',
      subject,
      baseline: { label: 'a second tab of the running version joining (B9a\'s subject)', ...baseline },
      ratio: subject.median / baseline.median,
      target: '≤ 3 s',
      pass: subject.median <= 3000,
      method: `A holder tab keeps the worker up; each hand-off sample opens a page with the other build of the actions module (same schema version, other content), so the running runtime finishes, checkpoints, tells its tabs and closes, and a new one starts from that checkpoint; alternating with pages of the running build joining. ${samples} of each. Worker log of the last hand-off: ${JSON.stringify(logs)}.`,
    },
  ];
}
