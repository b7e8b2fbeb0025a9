// B9: start-up to the first query result.
import { benchPage, launchBrowser, sharedWorkers, waitForWorkerGone } from '../lib/browser.mjs';
import { ENGINE_LABEL, engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { ms, summarize } from '../lib/stats.mjs';

/** (a) A second tab opening while the worker already runs. */
export async function b9Second({ browser, engine = 'pglite', samples = 20, rows = 1000 }) {
  const name = engineDb('b9a', engine);
  const holder = await benchPage(browser.context, ` ${name}-holder`);
  await holder.evaluate((o) => globalThis.bench.b9Hold(o), { name, engine, rows, perAction: 50 });
  const tandem = [];
  const open = [];
  const base = [];
  for (let i = 0; i < samples; i++) {
    // Alternate the order so neither side always runs right after a page close.
    for (const which of i % 2 ? ['base', 'tandem'] : ['tandem', 'base']) {
      const page = await benchPage(browser.context, ` ${name}`);
      if (which === 'tandem') {
        const r = await page.evaluate((o) => globalThis.bench.b9Second(o), { name, engine });
        tandem.push(r.ms);
        open.push(r.openMs);
      } else {
        base.push((await page.evaluate((o) => globalThis.bench.b9SecondBaseline(o), { name, engine })).ms);
      }
      await page.close();
    }
  }
  await holder.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
  const subject = summarize(tandem);
  const baseline = summarize(base);
  return [
    {
      id: engineId('B9a', engine),
      title: engineTitle('Second tab, worker running: openTandem() → first live result', engine),
      unit: 'ms',
      subject,
      baseline: { label: 'fresh page: new SharedWorker → first raw echo', ...baseline },
      ratio: subject.median / baseline.median,
      target: '≤ 50 ms',
      pass: subject.median <= 50,
      method: `${samples} freshly loaded pages each (alternating with the baseline); a holder tab keeps the worker up on a ${rows}-row database (written by \`addMany\` actions); query \`select id, title from todos order by id limit 50\` (not subscribed by any other tab, so it is evaluated). openTandem() alone: median ${ms(summarize(open).median)}. Timed from the openTandem() call; page load excluded.`,
    },
  ];
}

/** (b) First tab on an existing 10k-row database vs the raw engine's restore of the same checkpoint. */
export async function b9Cold({ browser, engine = 'pglite', rows = 10_000, perAction = 50, samples = 5 }) {
  const name = engineDb('b9b', engine);
  const setup = await benchPage(browser.context, ` ${name}-setup`);
  const populated = await setup.evaluate((o) => globalThis.bench.b9Populate(o), { name, engine, rows, perAction });
  await setup.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
  const tandem = [];
  const open = [];
  const base = [];
  const phases = [];
  const tandemPhases = [];
  let engineLog = null;
  let imageBytes = 0;
  for (let i = 0; i < samples; i++) {
    for (const which of i % 2 ? ['base', 'tandem'] : ['tandem', 'base']) {
      const page = await benchPage(browser.context, ` ${name}`);
      if ((await sharedWorkers(browser.cdp)).some((t) => t.title === `tandem:${name}` || t.title === `raw:${name}`)) throw new Error(`${name}: a worker is still running`);
      if (which === 'tandem') {
        const r = await page.evaluate((o) => globalThis.bench.b9Cold(o), { name, engine });
        if (r.n !== populated.rows) throw new Error(`${name}: tandem saw ${r.n} rows, expected ${populated.rows}`);
        tandem.push(r.ms);
        open.push(r.openMs);
        tandemPhases.push(r.phases);
        engineLog = r.engineLog;
      } else {
        const r = await page.evaluate((o) => globalThis.bench.b9ColdBaseline(o), { name, engine });
        if (r.n !== populated.rows) throw new Error(`${name}: raw ${ENGINE_LABEL[engine]} saw ${r.n} rows, expected ${populated.rows}`);
        base.push(r.ms);
        phases.push(r.phases);
        imageBytes = r.imageBytes;
      }
      await page.close();
      await waitForWorkerGone(browser.cdp, which === 'tandem' ? `tandem:${name}` : `raw:${name}`);
    }
  }
  const subject = summarize(tandem);
  const baseline = summarize(base);
  const phase = (k) => ms(summarize(phases.map((p) => p[k])).median);
  const tphase = (k) => ms(summarize(tandemPhases.map((p) => p[k])).median);
  const bphase = (k) => ms(summarize(startPhases.map((p) => p[k])).median);
  const ratio = subject.median / baseline.median;
  return [
    {
      id: engineId('B9b', engine),
      title: engineTitle(`First tab, worker not running, ${rows.toLocaleString('en')}-row database: openTandem() → first live result`, engine),
      unit: 'ms',
      subject,
      baseline: {
        label:
          engine === 'sqlite'
            ? 'fresh SharedWorker: read the same checkpoint Blob (raw IndexedDB) + sqlite-wasm init + sqlite3_deserialize + 1 query'
            : 'fresh SharedWorker: read the same checkpoint Blob (raw IndexedDB) + PGlite.create({loadDataDir}) + 1 query',
        ...baseline,
      },
      ratio,
      target: '≤ 1.2× raw restore',
      pass: ratio <= 1.2,
      method: `${rows} rows written through ${Math.ceil(rows / perAction)} \`addMany\` actions of ${perAction} rows each, then runtime.checkpoint() (journal empty after it: ${populated.status.journalRecords} records), all pages closed until the worker target is gone; then ${samples} cold starts of each, alternating, each in a freshly loaded page, worker death awaited between runs (CDP). Checkpoint image ${(imageBytes / 1e6).toFixed(1)} MB. Query \`select count(*) from todos\`. Timelines (medians, ms after the page's start): Tandem — worker created ${tphase('workerCreated')}, worker module evaluated ${tphase('moduleEvaluated')}, createEngine() called ${tphase('engineCreateStart')} and resolved ${tphase('engineCreated')}, runtime log "engine ready" ${tphase('engineReady')} (e.g. "${engineLog}"), openTandem() resolved ${tphase('connected')}, first live result ${tphase('firstResult')}; baseline — worker created ${phase('workerCreated')}, module evaluated ${phase('moduleEvaluated')}, then ${engine === 'sqlite' ? `read checkpoint (Blob → bytes) ${phase('readCheckpoint')}, sqlite-wasm init ${phase('init')}, deserialize ${phase('restore')}` : `read checkpoint ${phase('readCheckpoint')}, PGlite restore ${phase('restore')}`}, query ${phase('query')}.`,
    },
  ];
}

/**
 * (c) Cold start bounded by the data, not the history: a database written by a few bulk actions
 * (no explicit checkpoint: whatever the runtime's own policy left), against the same rows
 * checkpointed explicitly (B9b's case), cold-started alternately in the same run.
 */
export async function b9History({ browser, engine = 'pglite', rows = 10_000, perAction = 1000, samples = 4 }) {
  const history = engineDb('b9c', engine);
  const checkpointed = engineDb('b9c-ckpt', engine);
  const populate = async (name, checkpoint) => {
    const setup = await benchPage(browser.context, ` ${name}-setup`);
    const out = await setup.evaluate((o) => globalThis.bench.b9Populate(o), { name, engine, rows, perAction, checkpoint });
    await setup.close();
    await waitForWorkerGone(browser.cdp, `tandem:${name}`);
    return out;
  };
  const written = await populate(history, false);
  const base = await populate(checkpointed, true);
  const subject = [];
  const baseline = [];
  const replays = [];
  for (let i = 0; i < samples; i++) {
    for (const which of i % 2 ? ['base', 'tandem'] : ['tandem', 'base']) {
      const name = which === 'tandem' ? history : checkpointed;
      const page = await benchPage(browser.context, ` ${name}`);
      const r = await page.evaluate((o) => globalThis.bench.b9Cold(o), { name, engine });
      if (r.n !== rows) throw new Error(`${name}: saw ${r.n} rows, expected ${rows}`);
      (which === 'tandem' ? subject : baseline).push(r.ms);
      if (which === 'tandem') replays.push(r.replayLog ?? 'no journal replayed');
      await page.close();
      await waitForWorkerGone(browser.cdp, `tandem:${name}`);
    }
  }
  const s = summarize(subject);
  const b = summarize(baseline);
  const ratio = s.median / b.median;
  return [
    {
      id: engineId('B9c', engine),
      title: engineTitle(`First tab, worker not running, ${rows.toLocaleString('en')} rows written by ${Math.ceil(rows / perAction)} bulk actions (no explicit checkpoint): openTandem() → first live result`, engine),
      unit: 'ms',
      subject: s,
      baseline: { label: 'the same rows checkpointed explicitly (B9b\'s case), same run', ...b },
      ratio,
      target: '≤ 1.2× checkpointed',
      pass: ratio <= 1.2,
      method: `${Math.ceil(rows / perAction)} \`addMany\` actions of ${perAction} rows each, written in ${ms(written.writeMs)}; after the writes the runtime had ${written.status.journalRecords} journal records after checkpoint seq ${written.status.lastCheckpointSeq}. All pages closed until the worker was gone, then ${samples} cold starts of each database, alternating, each in a freshly loaded page (the HTTP cache warm, as after a browser restart). Replay per start: ${[...new Set(replays)].join('; ')}.`,
    },
  ];
}

/**
 * (d) First visit, empty cache: each sample is a new browser on a new profile (no HTTP cache, no
 * compiled code, no IndexedDB), so the worker, the engine and its assets are downloaded and
 * compiled as on a user's first visit. The page itself is loaded before the clock starts, for both.
 */
export async function b9First({ server, engine = 'pglite', samples = 4 }) {
  const tandem = [];
  const base = [];
  const bytes = { tandem: [], base: [] };
  const open = [];
  const startPhases = [];
  const tandemPhases = [];
  for (let i = 0; i < samples; i++) {
    for (const which of i % 2 ? ['base', 'tandem'] : ['tandem', 'base']) {
      const fresh = await launchBrowser(server.url);
      try {
        const page = await benchPage(fresh.context, ` b9d-${which}`);
        const before = server.bytesServed();
        const name = engineDb(`b9d-${i}`, engine);
        if (which === 'tandem') {
          const r = await page.evaluate((o) => globalThis.bench.b9First(o), { name, engine });
          if (r.n !== 0) throw new Error(`${name}: a new database has ${r.n} rows`);
          tandem.push(r.ms);
          open.push(r.openMs);
          tandemPhases.push(r.phases);
        } else {
          const r = await page.evaluate((o) => globalThis.bench.b9FirstBaseline(o), { name, engine });
          base.push(r.ms);
          startPhases.push(r.phases);
        }
        bytes[which].push(server.bytesServed() - before);
      } finally {
        await fresh.close();
      }
    }
  }
  const subject = summarize(tandem);
  const baseline = summarize(base);
  const ratio = subject.median / baseline.median;
  const tphase = (k) => ms(summarize(tandemPhases.map((p) => p[k])).median);
  const bphase = (k) => ms(summarize(startPhases.map((p) => p[k])).median);
  const mb = (list) => `${(summarize(list).median / 1e6).toFixed(1)} MB`;
  return [
    {
      id: engineId('B9d', engine),
      title: engineTitle('First visit, empty cache: openTandem() on a new database → first live result', engine),
      unit: 'ms',
      subject,
      baseline: { label: `fresh SharedWorker: the raw engine's first start (${engine === 'sqlite' ? 'sqlite-wasm init' : 'PGlite.create from the same empty image'}, assets downloaded) + the bench app's schema (22 tables, no capture) + 1 query`, ...baseline },
      ratio,
      target: '≤ 1.5× raw first start',
      pass: ratio <= 1.5,
      method: `${samples} samples of each, alternating; each sample a new Chromium on a new on-disk profile (empty HTTP cache and code cache, no IndexedDB), the bench page loaded first, then timed from the call. Downloaded after the call (bytes served, medians): Tandem ${mb(bytes.tandem)}, raw ${mb(bytes.base)}. openTandem() alone: median ${ms(summarize(open).median)}; raw: engine start ${bphase('start')}, the app's schema ${bphase('schema')}. Tandem's timeline (medians, ms after the call): worker created ${tphase('workerCreated')}, module evaluated ${tphase('moduleEvaluated')}, createEngine() called ${tphase('engineCreateStart')} and resolved ${tphase('engineCreated')}, capture installed from ${tphase('captureStart')} to ${tphase('captureEnd')} (installCapture alone: median ${ms(summarize(tandemPhases.map((p) => p.captureEnd - p.captureStart)).median)}), "engine ready" ${tphase('engineReady')}, openTandem() resolved ${tphase('connected')}, first live result ${tphase('firstResult')}. The bench worker bundle stands in for the prebuilt one (same engines and assets).`,
    },
  ];
}
