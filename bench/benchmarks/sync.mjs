// B10 (initial sync), B11 (device A → device B on loopback), Drain (offline actions after reconnect).
// Each starts its own Tandem server on its own Postgres schema (or embedded PGlite) and serves the
// bench pages from it, so pages and /sync share an origin.
import { WebSocketServer } from 'ws';
import { benchPage, launchBrowser, waitForWorkerGone } from '../lib/browser.mjs';
import { clockOffset, nodeNow } from '../lib/clock.mjs';
import { ms, summarize } from '../lib/stats.mjs';
import { benchDatabase, startBenchServer, syncApp } from '../lib/sync-server.mjs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const USER = { id: 'bench-user' };

/** Wraps server.store.push/pull (the routes call them per request) to time them in Node. */
function timeStore(server) {
  const log = { push: [], pull: [] };
  // The HTTP route pulls with pullJson, the socket with pull: both count as pulls.
  for (const kind of ['push', 'pull', 'pullJson']) {
    const original = server.store[kind];
    const logged = kind === 'pullJson' ? 'pull' : kind;
    server.store[kind] = async (...args) => {
      const start = nodeNow();
      try {
        return await original(...args);
      } finally {
        log[logged].push({ start, end: nodeNow(), client: kind === 'push' ? args[0] : args[0].clientId, actions: kind === 'push' ? args[2].length : 0 });
      }
    };
  }
  return log;
}

const rate = (rows, msTaken) => rows / (msTaken / 1000);
const rowsPerS = (x) => `${Math.round(x).toLocaleString('en')} rows/s`;

// ---------------------------------------------------------------------------------------------

export async function b10({ browser, rows = 100_000, channels = 10, samples = 3 }) {
  const db = await benchDatabase('b10');
  const server = await startBenchServer({ driver: await db.driver(4) });
  const log = timeStore(server);
  try {
    const names = Array.from({ length: channels }, (_, i) => `b10-l${i}`);
    const per = Math.ceil(rows / channels);
    const s0 = performance.now();
    for (const listId of names) await server.invoke('seedItems', { listId, from: 0, count: per }, USER);
    const seedMs = performance.now() - s0;
    const total = per * channels;
    const url = `${server.origin}/`;

    const tandem = [];
    const raw = [];
    for (let i = 0; i < samples; i++) {
      for (const which of i % 2 ? ['raw', 'tandem'] : ['tandem', 'raw']) {
        const page = await benchPage(browser.context, ` b10-${which}`, url);
        if (which === 'tandem') {
          const pullsBefore = log.pull.length;
          const r = await page.evaluate((o) => globalThis.bench.b10Sync(o), { name: `b10-${i}`, channels: names, rows: total });
          if (r.n !== total) throw new Error(`b10: the client has ${r.n} rows, expected ${total}`);
          const pulls = log.pull.slice(pullsBefore).map((p) => p.end - p.start);
          tandem.push({ ...r, serverPullMs: pulls[0] ?? NaN, pulls: pulls.length });
          await page.close();
          await waitForWorkerGone(browser.cdp, `tandem:b10-${i}`, 30_000);
        } else {
          const pullsBefore = log.pull.length;
          const r = await page.evaluate((o) => globalThis.bench.b10Raw(o), { name: `b10raw-${i}`, channels: names, rows: total });
          raw.push({ ...r, serverPullMs: log.pull[pullsBefore] ? log.pull[pullsBefore].end - log.pull[pullsBefore].start : NaN });
          await page.close();
          await waitForWorkerGone(browser.cdp, `tandem:b10raw-${i}`, 30_000);
        }
      }
    }
    const tRates = tandem.map((r) => rate(total, r.ms));
    const insertRates = raw.map((r) => rate(total, r.phases.insert));
    const subject = summarize(tRates);
    const baseline = summarize(insertRates);
    const med = (xs) => summarize(xs).median;
    const ph = (k) => med(tandem.map((r) => r.phases[k]));
    const rp = (k) => ms(med(raw.map((r) => r.phases[k])));
    const bytes = tandem[0]?.pullBytes || raw[0]?.bytes;
    const rawPipeline = med(raw.map((r) => r.phases.fetchHeaders + r.phases.fetchBody + r.phases.jsonParse + r.phases.jsonStringify + r.phases.insert));
    const afterParse = ph('visible') - ph('pullParsed');
    // The profile of the median Tandem run (engine round trips, journal appends after the parse).
    const mid = [...tandem].sort((a, b) => a.ms - b.ms)[Math.floor((tandem.length - 1) / 2)];
    const prof = mid.profile;
    const big = [...prof.big].sort((a, b) => b.ms - a.ms).slice(0, 6).map((c) => `${ms(c.ms)} \`${c.what.replace(/`/g, "'").slice(0, 70)}…\``).join('; ');
    const profileText = `In-worker profile of the median run (PGlite \`execProtocolRawSync\` and the journal's \`append\` wrapped, only in B10's workers), from the parse to all rows visible (${ms(mid.phases.visible - mid.phases.pullParsed)}): ${prof.engineCalls} engine round trips taking ${ms(prof.engineMs)}, the largest: ${big}; the journal append of the pull as one \`${prof.journal.map((j) => j.what).join(',')}\` record: its promise took ${prof.journal.map((j) => ms(j.ms)).join(', ') || '— (it started after the rows were visible)'} of wall time (appended after the rebase's task, once the rows are visible; one IndexedDB put of the same record alone: ${rp('idbPut')}, below); the rest is JS in the worker (validation, rebase bookkeeping, JSON.stringify of the rows) and waiting. Engine time before the parse (start-up, schema, cursors): ${ms(prof.beforeEngineMs)}.`;
    return [
      {
        id: 'B10',
        title: `Initial sync of ${total.toLocaleString('en')} rows (~${Math.round(bytes / total)} B each as JSON) into a new client: openTandem() → all rows in a live query`,
        unit: 'rows/s',
        subject: { ...subject, median: subject.median, p95: Math.min(...tRates), p95Label: 'slowest run' },
        baseline: { label: 'raw PGlite `insert … select from jsonb_populate_recordset` of the same JSON, fresh PGlite from the same empty image, in a bench SharedWorker (rows/s)', ...baseline },
        ratio: subject.median / baseline.median,
        target: '≥ 50,000 rows/s',
        pass: subject.median >= 50_000,
        method: `Server: ${db.label}; ${channels} channels of ${per.toLocaleString('en')} rows, seeded through \`server.invoke('seedItems')\` (${(seedMs / 1000).toFixed(1)} s). ${samples} runs of each, alternating; each Tandem run is a fresh page on the server's origin and a new database name (new SharedWorker, empty IndexedDB), timed from the openTandem() call (\`sync: { url, channels }\` for the ${channels} channels) to the live query \`select count(*) from items\` reporting all rows. End to end median ${ms(ph('visible'))} (= ${rowsPerS(subject.median)}). Timeline, medians from the openTandem() call: worker module evaluated ${ms(ph('moduleEvaluated'))}, engine ready ${ms(ph('engineReady'))}, pull request sent ${ms(ph('pullStart'))}, response headers ${ms(ph('pullHeaders'))} (server \`store.pull\` ${ms(med(tandem.map((r) => r.serverPullMs)))}, then JSON serialisation and transfer of ${(bytes / 1e6).toFixed(1)} MB), body read ${ms(ph('pullBodyMs'))} + JSON.parse ${ms(ph('pullParseMs'))} done at ${ms(ph('pullParsed'))}; from parsed to all rows visible ${ms(afterParse)} (validation, rebase = one insert per channel into the empty table, commit, live re-run; the pull's \`sync\` journal record is appended after that task). The pull is sent while the engine starts (a new database's early pull), so the two overlap. Requests per run: ${tandem[0]?.requests.join(', ')}. Baseline worker, same pull and rows (medians): fetch ${rp('fetchHeaders')} + body ${rp('fetchBody')}, JSON.parse ${rp('jsonParse')}, \`parsePullResponse\` ${rp('validate')}, JSON.stringify of the rows per channel ${rp('jsonStringify')}, PGlite start from the empty image ${rp('pgliteStart')}, the insert ${rp('insert')} (the baseline figure: ${rowsPerS(baseline.median)}); one IndexedDB put of the parsed pull as a journal-shaped record ${rp('idbPut')}. Raw pipeline fetch → parse → stringify → insert: ${ms(rawPipeline)} (${rowsPerS(rate(total, rawPipeline))}). ${profileText} Per-run rows/s: Tandem ${tRates.map((x) => Math.round(x)).join(', ')}; raw insert ${insertRates.map((x) => Math.round(x)).join(', ')}.`,
        details: { tandem, raw },
      },
    ];
  } finally {
    await server.close();
    await db.drop();
  }
}

// ---------------------------------------------------------------------------------------------

export async function b11({ browser, n = 300, warmup = 30, block = 25, pauseMs = 20 }) {
  const db = await benchDatabase('b11');
  const driver = await db.driver(10);
  const server = await startBenchServer({ driver });
  const app = await syncApp();
  const echoServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  echoServer.on('connection', (ws) => ws.on('message', (m) => ws.send(m, { binary: false })));
  await new Promise((r) => echoServer.once('listening', r));
  const echoUrl = `ws://127.0.0.1:${echoServer.address().port}`;
  const url = `${server.origin}/`;
  // Device B: a second Chromium with its own on-disk profile (another device: own SharedWorker, IndexedDB).
  const browserB = await launchBrowser(url);
  // The raw commit: one INSERT through `postgres` (autocommit), same row shape, no triggers.
  const sql = db.raw(1);
  let rawInsert;
  if (sql) {
    await sql.unsafe(app.RAW_ITEMS_SQL);
    rawInsert = (k) => sql.unsafe('insert into raw_items (id, list_id, title, note, created_at) values ($1, $2, $3, $4, $5)', [`raw-${k}`, 'b11', app.itemTitle(k), app.ITEM_NOTE, Date.now()], { prepare: true });
  } else {
    await driver.exec(app.RAW_ITEMS_SQL);
    rawInsert = (k) => driver.query('insert into raw_items (id, list_id, title, note, created_at) values ($1, $2, $3, $4, $5)', [`raw-${k}`, 'b11', app.itemTitle(k), app.ITEM_NOTE, Date.now()]);
  }
  const log = timeStore(server);
  try {
    const pageA = await benchPage(browser.context, ' b11-A', url);
    const pageB = await benchPage(browserB.context, ' b11-B', url);
    const idA = (await pageA.evaluate((o) => globalThis.bench.syncDeviceOpen(o), { name: 'b11', channels: ['b11'] })).clientId;
    const idB = (await pageB.evaluate((o) => globalThis.bench.syncDeviceOpen(o), { name: 'b11', channels: ['b11'], watch: 'b11' })).clientId;
    const segments = { toPush: [], push: [], toSeen: [] };
    let pullsOfB = 0;
    let pullsOfA = 0;
    const offA = await clockOffset(pageA);
    const offB = await clockOffset(pageB);

    const latency = [];
    const ackA = [];
    const echo = [];
    const commit = [];
    let k = 0;
    const one = async (record) => {
      const title = `b11 ${k++}`;
      await pageB.evaluate((o) => globalThis.bench.syncDeviceArm(o), { title });
      const w = await pageA.evaluate((o) => globalThis.bench.syncDeviceWrite(o), { listId: 'b11', title });
      const seen = await pageB.evaluate((o) => globalThis.bench.syncDeviceSeen(o), { timeoutMs: 10_000 });
      if (record) {
        const t0 = w.t0 - offA.offset;
        const tSeen = seen - offB.offset;
        latency.push(tSeen - t0);
        ackA.push(w.ackMs);
        // Where it went, on Node's clock: A's push as the server's store saw it, and whether B
        // pulled (a poke carrying the commit's changes spares B its pull).
        const push = log.push.find((p) => p.client === idA && p.start >= t0 - 1);
        if (push) {
          segments.toPush.push(push.start - t0);
          segments.push.push(push.end - push.start);
          segments.toSeen.push(tSeen - push.end);
        }
        pullsOfB += log.pull.filter((p) => p.client === idB).length;
        pullsOfA += log.pull.filter((p) => p.client === idA).length;
        log.push.length = 0;
        log.pull.length = 0;
      }
      await sleep(pauseMs);
    };
    for (let i = 0; i < warmup; i++) await one(false);
    await pageA.evaluate((o) => globalThis.bench.wsEcho(o), { url: echoUrl, n: 0, warmup: 20 });
    for (let i = 0; i < 20; i++) await rawInsert(`w${i}`);
    while (latency.length < n) {
      for (let i = 0; i < block; i++) await one(true);
      echo.push(...(await pageA.evaluate((o) => globalThis.bench.wsEcho(o), { url: echoUrl, n: block, warmup: 2 })));
      for (let i = 0; i < block; i++) {
        const t0 = performance.now();
        await rawInsert(k * 1000 + i);
        commit.push(performance.now() - t0);
      }
    }
    const status = await pageB.evaluate(() => globalThis.bench.syncDeviceStatus());
    await pageA.evaluate(() => globalThis.bench.syncDeviceClose());
    await pageB.evaluate(() => globalThis.bench.syncDeviceClose());
    await pageA.close();
    await pageB.close();
    await waitForWorkerGone(browser.cdp, 'tandem:b11', 30_000);

    function med(xs) {
      return summarize(xs).median;
    }
    function p99Of(xs) {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)] ?? NaN;
    }
    const p99 = p99Of(latency);
    const subject = summarize(latency);
    const e = summarize(echo);
    const c = summarize(commit);
    const floor = e.median + c.median;
    const pgWhat = sql ? 'Postgres' : 'PGlite (Postgres unreachable)';
    return [
      {
        id: 'B11',
        title: 'Action on device A (own browser) → live query update on device B, loopback server',
        unit: 'ms',
        subject: { ...subject, p95: p99, p95Label: 'p99' },
        baseline: { label: `raw WebSocket echo (page ↔ Node, loopback) + one raw ${pgWhat} INSERT commit through \`postgres\` (sum of medians)`, median: floor },
        ratio: subject.median / floor,
        target: 'p50 ≤ 15 ms, p99 ≤ 30 ms (issue 17)',
        pass: subject.median <= 15 && p99 <= 30,
        method: `Server: ${db.label}, startTandemServer in the bench's Node process (realtime on: pokes over the socket, NOTIFY on a channel of this run). Device A is a page in the main Chromium, device B a page in a second Chromium with its own on-disk profile; both open \`b11\` with \`sync: { channels: ['b11'] }\`; B holds a live query on the newest 5 rows of the channel. Per sample: Node arms B with a title, A calls \`db.actions.addItem\` (absolute time t0 in A), B records when its live callback first shows that title; latency = B's time − A's t0, both mapped to Node's clock (offsets measured NTP-style over 40 \`page.evaluate\` probes: A ${offA.offset.toFixed(2)} ms (best probe ${offA.rtt.toFixed(2)} ms), B ${offB.offset.toFixed(2)} ms (best probe ${offB.rtt.toFixed(2)} ms); the uncertainty is about half the best probe). The path: A's local commit + journal, A's sync cycle (push over its WebSocket), the server's push transaction, the poke to B's socket carrying the commit's changes, B's rebase and journal of them (no pull: B's cursor is right below the commit), B's live re-run. ${n} samples after ${warmup} warm-up, ${pauseMs} ms apart, in blocks of ${block} alternating with ${block} echoes and ${block} raw commits. p50 ${ms(subject.median)}, p95 ${ms(subject.p95)}, p99 ${ms(p99)}, max ${ms(subject.max)}. A's own durable ack in the same loop: median ${ms(summarize(ackA).median)}. Raw WebSocket echo (page A → a \`ws\` echo server in the Node process): median ${ms(e.median)}, p95 ${ms(e.p95)}. Raw ${pgWhat} commit (one INSERT, autocommit, prepared): median ${ms(c.median)}, p95 ${ms(c.p95)}. Breakdown on Node's clock (medians over the ${segments.push.length} samples whose push was matched): A's call → its push reaches the server's store ${ms(med(segments.toPush))} (local action + durable journal, then A's sync cycle reads its pending actions and sends the push over its socket), \`store.push\` ${ms(med(segments.push))}, push done → B's live callback ${ms(med(segments.toSeen))} (the poke with the commit's changes over B's socket, B's rebase and journal append of them in one engine transaction, live re-run, post to the tab); their p99s ${ms(p99Of(segments.toPush))}, ${ms(p99Of(segments.push))}, ${ms(p99Of(segments.toSeen))}. Pulls by B during the measured samples: ${pullsOfB} (each sample a pull would add a round trip and \`store.pull\`); by A: ${pullsOfA} (its push's answer carries the commit, which confirms its action without one). B's sync status afterwards: pending ${status.pending}, online ${status.online}, lastError ${status.lastError ? JSON.stringify(status.lastError.message) : 'none'}.`,
        details: { latency, ackA, echo, commit, offA, offB },
      },
    ];
  } finally {
    await browserB.close().catch(() => {});
    await new Promise((r) => echoServer.close(r));
    await server.close();
    await db.drop();
  }
}

// ---------------------------------------------------------------------------------------------

export async function drain({ browser, count = 10_000, concurrency = 250 }) {
  const db = await benchDatabase('drain');
  const driver = await db.driver(10);
  let server = await startBenchServer({ driver });
  const port = server.port;
  const url = `${server.origin}/`;
  let page;
  try {
    page = await benchPage(browser.context, ' drain', url);
    await page.evaluate((o) => globalThis.bench.syncDeviceOpen(o), { name: 'drain', channels: ['drain'] });
    await server.close();
    server = null;
    await sleep(500);
    const offline = await page.evaluate((o) => globalThis.bench.drainOffline(o), { listId: 'drain', count, concurrency });
    if (offline.pending !== count || offline.failed) throw new Error(`drain: ${offline.pending} pending, ${offline.failed} failed after ${count} offline actions`);
    server = await startBenchServer({ driver, port });
    const log = timeStore(server);
    const up = nodeNow();
    const off = await clockOffset(page, 20);
    const r = await page.evaluate((o) => globalThis.bench.drainReconnect(o), { timeoutMs: 180_000, kick: true });
    const pageStartNode = r.abs0 - off.offset;
    const [{ n: serverRows }] = await driver.query("select count(*)::int as n from items where list_id = 'drain'");
    if (serverRows !== count) throw new Error(`drain: the server has ${serverRows} rows, expected ${count}`);
    const pushes = log.push;
    const pulls = log.pull;
    const firstPush = pushes[0]?.start ?? NaN;
    const lastPush = pushes.at(-1)?.end ?? NaN;
    const pushMs = pushes.map((p) => p.end - p.start);
    const actionsPerS = rate(count, r.ms);
    await page.evaluate(() => globalThis.bench.syncDeviceClose());
    await page.close();
    page = null;
    await waitForWorkerGone(browser.cdp, 'tandem:drain', 30_000);
    return [
      {
        id: 'Drain',
        title: `Drain of ${count.toLocaleString('en')} offline actions after reconnect: server back → pending = 0`,
        unit: 'ms',
        subject: { n: 1, median: r.ms, p95: null, medianLabel: `${Math.round(actionsPerS).toLocaleString('en')} actions/s` },
        baseline: { label: 'the same actions run locally while offline (wall time, for scale)', median: offline.ms },
        ratio: r.ms / offline.ms,
        target: 'none set (report time and actions/s)',
        pass: null,
        rateLabel: `${Math.round(actionsPerS).toLocaleString('en')} actions/s`,
        method: `Server: ${db.label}. One page opens \`drain\` with sync and syncs once; the server is closed (its database kept), the page runs ${count} \`addItem\` actions (${concurrency} in flight at a time: ${ms(offline.ms)}, ${Math.round(rate(count, offline.ms))} actions/s locally; pending ${offline.pending}), then a new server starts on the same port and the page calls \`db.sync.now()\` at once (a SharedWorker gets no \`online\` event; without the call the client waits for its retry backoff, capped at 10 s). Timed in the page from that call to \`db.sync.status\` showing pending 0 and online: ${ms(r.ms)} = **${Math.round(actionsPerS).toLocaleString('en')} actions/s**. Server side (Node clock, from the sync.now() call): ${pushes.length} pushes of ≤ ${Math.max(...pushes.map((p) => p.actions))} actions, first push in ${ms(firstPush - pageStartNode)}, last push answered at ${ms(lastPush - pageStartNode)}; \`store.push\` median ${ms(summarize(pushMs).median)} per push (${Math.round(rate(count, pushMs.reduce((a, b) => a + b, 0)))} actions/s inside the store); ${pulls.length} pull(s), ${pulls.map((p) => ms(p.end - p.start)).join(', ')} in the store; the rest, after the last push, is the pull's transfer, the client's rebase (${count} patches compared with the server's changes), its journal append and the status update. Server rows afterwards: ${serverRows}. Server up → page sync.now(): ${ms(pageStartNode - up)} (page round trip).`,
        details: { offline, reconnect: r, pushes, pulls },
      },
    ];
  } finally {
    await page?.close().catch(() => {});
    await server?.close();
    await db.drop();
  }
}
