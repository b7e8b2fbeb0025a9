// B12: server push throughput on real Postgres (SyncStore.push, several concurrent clients, batches
// of 100) against the floor of its design, measured in the same run: one awaited single-row INSERT
// per action statement through `postgres`. For scale it also measures a multi-row INSERT of the
// same rows, and the same single-row INSERTs into a table carrying the capture trigger (with and
// without an action id setting per row), which bound what a push can reach with trigger capture.
// B12r: the same pushes through the HTTP app with realtime pokes on (sockets subscribed) vs off.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import WebSocket from 'ws';
import { installTriggersSql, quoteLiteral } from '@tandem/core/sql';
import { createSyncStore } from '@tandem/server';
import { ms, summarize } from '../lib/stats.mjs';
import { benchDatabase, startBenchServer, syncApp } from '../lib/sync-server.mjs';

const USER = { id: 'bench-user' };
const CHANNELS = 10;
const fmt = (x) => `${Math.round(x).toLocaleString('en')}/s`;

function batchOf(app, clientId, from, size, time) {
  return Array.from({ length: size }, (_, i) => {
    const seq = from + i;
    return { id: `${clientId}-${seq}`, seq, name: 'addItem', args: { listId: `b12-l${seq % CHANNELS}`, title: app.itemTitle(seq), note: app.ITEM_NOTE }, time: time + seq };
  });
}

/** The rows those actions insert (ids like ctx.id()'s), for the raw baseline. */
const rowsOf = (app, batch) => batch.map((a) => ({ id: `${a.id}.0`, list_id: a.args.listId, title: a.args.title, note: a.args.note, created_at: a.time }));

/** CPU ms of every local `postgres` process so far (/proc; 10 ms ticks), or NaN when not visible. */
async function postgresCpuMs() {
  let ticks = 0;
  let seen = 0;
  try {
    for (const d of await readdir('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if ((await readFile(`/proc/${d}/comm`, 'utf8')).trim() !== 'postgres') continue;
        const f = (await readFile(`/proc/${d}/stat`, 'utf8')).split(') ')[1].split(' ');
        ticks += Number(f[11]) + Number(f[12]);
        seen++;
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return NaN;
  }
  return seen ? ticks * 10 : NaN;
}

/** `clients` concurrent loops of `pushes` sequential calls of `fn(client, p)`; actions/s, Node and Postgres CPU. */
async function round(clients, pushes, batch, fn) {
  const cpu0 = process.cpuUsage();
  const pg0 = await postgresCpuMs();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let p = 0; p < pushes; p++) await fn(c, p);
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pg = (await postgresCpuMs()) - pg0;
  const total = clients * pushes * batch;
  return { perSecond: total / seconds, seconds, nodeCpuUsPerAction: (cpu.user + cpu.system) / total, pgCpuUsPerAction: (pg * 1000) / total };
}

/** A driver that times every statement of a transaction (call → result; pipelined ones overlap). */
function timedDriver(driver) {
  const stats = new Map();
  const note = (key, t) => {
    const s = stats.get(key) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += t;
    stats.set(key, s);
  };
  const label = (text) => {
    const t = text.replace(/\s+/g, ' ').trim();
    if (t.startsWith('insert into items')) return 'action INSERT (+ capture trigger)';
    if (t.startsWith("select set_config('tandem.action_id'")) return 'set_config(action_id) (pipelined)';
    if (t.startsWith('insert into tandem_clients')) return 'lock client row';
    if (t.startsWith('with rejected as')) return 'commit: rejections + earlier rejections + last seq + head version + commit row';
    if (t.startsWith('select version')) return 'read head + earlier rejections';
    return t.slice(0, 50);
  };
  const wrapTx = (tx) => ({
    query: async (text, params) => {
      const t0 = performance.now();
      try {
        return await tx.query(text, params);
      } finally {
        note(label(text), performance.now() - t0);
      }
    },
    exec: (script) => tx.exec(script),
    savepoint: (fn) => tx.savepoint((inner) => fn(wrapTx(inner))),
    // The transaction's last statement with COMMIT sent right behind it (top level only).
    ...(tx.queryAndCommit && {
      queryAndCommit: async (text, params) => {
        const t0 = performance.now();
        try {
          return await tx.queryAndCommit(text, params);
        } finally {
          note(`${label(text)} + COMMIT`, performance.now() - t0);
        }
      },
    }),
  });
  return {
    stats,
    driver: {
      ...driver,
      name: driver.name,
      query: (t, p) => driver.query(t, p),
      exec: (s) => driver.exec(s),
      listen: (...a) => driver.listen(...a),
      notify: (...a) => driver.notify(...a),
      close: () => driver.close(),
      transaction: async (fn, o) => {
        const t0 = performance.now();
        try {
          return await driver.transaction((tx) => fn(wrapTx(tx)), o);
        } finally {
          note('whole transaction (BEGIN … COMMIT)', performance.now() - t0);
        }
      },
    },
  };
}

export async function b12({ clients = 8, pushes = 25, batch = 100, rounds = 3, sockets = 20 }) {
  const app = await syncApp();
  const db = await benchDatabase('b12');
  const options = { schema: app.SYNC_SCHEMA, channels: app.SYNC_CHANNELS, actions: app.syncActions };
  const driver = await db.driver(clients + 2);
  const store = await createSyncStore(driver, options);
  const sql = db.raw(clients + 2);
  const runId = randomBytes(3).toString('hex');
  const servers = [];
  const socks = [];
  try {
    // The captured table: the shape of `items` with the same capture trigger (the store's setup
    // created its function), so its INSERTs cost what an action's do, minus the push around them.
    const capturedSql = `${app.RAW_ITEMS_SQL}\ncreate table captured_items (like raw_items including all);\n${installTriggersSql('captured_items', quoteLiteral(app.SYNC_CHANNELS.items))}`;
    if (sql) await sql.unsafe(capturedSql);
    else await driver.exec(capturedSql);
    const rawInsert = sql
      ? (rows) => sql`insert into raw_items ${sql(rows, 'id', 'list_id', 'title', 'note', 'created_at')}`
      : (rows) => driver.query('insert into raw_items select * from jsonb_populate_recordset(null::raw_items, $1::jsonb)', [JSON.stringify(rows)]);
    const time = Date.now();
    let tag = 0;

    const pushRound = (s = store, n = pushes) => {
      const t = `${runId}${tag++}`;
      return round(clients, n, batch, async (c, p) => {
        const clientId = `b12-${t}-${c}`;
        const { response } = await s.push(clientId, USER, batchOf(app, clientId, 1 + p * batch, batch, time));
        if (response.rejected.length) throw new Error(`b12: ${response.rejected.length} rejected: ${JSON.stringify(response.rejected[0])}`);
      });
    };
    // The statement-per-row floor: the same rows as single-row INSERTs, each awaited, 100 per
    // transaction. `captured`: into the table with the capture trigger, the action id set once per
    // transaction, or (`perRow`) pipelined ahead of every INSERT as the push sets it per action.
    const SET_ACTION = "select set_config('tandem.action_id', $1, true)";
    const rawSingleRound = (n = pushes, { captured = false, perRow = false } = {}) => {
      const t = `${runId}${tag++}`;
      const table = captured ? 'captured_items' : 'raw_items';
      return round(clients, n, batch, async (c, p) => {
        const rows = rowsOf(app, batchOf(app, `raws-${t}-${c}`, 1 + p * batch, batch, time));
        const body = async (q) => {
          if (captured && !perRow) await q(SET_ACTION, [rows[0].id]);
          for (const r of rows) {
            const set = perRow ? q(SET_ACTION, [r.id]) : undefined;
            await q(`insert into ${table} (id, list_id, title, note, created_at) values ($1, $2, $3, $4, $5)`, [r.id, r.list_id, r.title, r.note, r.created_at]);
            await set;
          }
        };
        // execute(): sent now (a `postgres` query otherwise waits to be awaited), so a setting goes out
        // ahead of its INSERT without waiting for its answer, as the push's driver sends it.
        if (sql) await sql.begin((tx) => body((text, params) => tx.unsafe(text, params, { prepare: true }).execute()));
        else await driver.transaction((tx) => body((text, params) => tx.query(text, params)));
      });
    };
    const capturedRound = (n = pushes) => rawSingleRound(n, { captured: true });
    const capturedPerRowRound = (n = pushes) => rawSingleRound(n, { captured: true, perRow: true });
    const rawRound = (n = pushes) => {
      const t = `${runId}${tag++}`;
      return round(clients, n, batch, async (c, p) => {
        const clientId = `raw-${t}-${c}`;
        await rawInsert(rowsOf(app, batchOf(app, clientId, 1 + p * batch, batch, time)));
      });
    };

    // Warm-up: prepared statements and plans on every pooled connection.
    await pushRound(store, 3);
    await rawRound(3);
    await rawSingleRound(3);
    await capturedRound(3);
    await capturedPerRowRound(3);
    const push = [];
    const raw = [];
    const rawSingle = [];
    const captured = [];
    const capturedPerRow = [];
    for (let r = 0; r < rounds; r++) {
      // Push and its floor next to each other, in alternating order, the others around them.
      raw.push(await rawRound());
      if (r % 2) {
        rawSingle.push(await rawSingleRound());
        push.push(await pushRound());
      } else {
        push.push(await pushRound());
        rawSingle.push(await rawSingleRound());
      }
      captured.push(await capturedRound());
      capturedPerRow.push(await capturedPerRowRound());
    }

    // Per-statement costs: the same pushes through a store on a timing driver, 1 client, then all.
    const timed = timedDriver(driver);
    const timedStore = await createSyncStore(timed.driver, options);
    await pushRound(timedStore, 2);
    timed.stats.clear();
    const single = await round(1, 10, batch, async (_c, p) => {
      const clientId = `b12-${runId}-single`;
      await timedStore.push(clientId, USER, batchOf(app, clientId, 1 + p * batch, batch, time));
    });
    const singleStats = new Map(timed.stats);
    const singleRaw = await round(1, 10, batch, async (_c, p) => rawInsert(rowsOf(app, batchOf(app, `raw-${runId}-single`, 1 + p * batch, batch, time))));
    const perPush = (stats, pushesN) =>
      [...stats.entries()].map(([k, s]) => `${k}: ${(s.n / pushesN).toFixed(0)}× per push, ${ms(s.ms / s.n)} each`).join('; ');

    // B12r: the HTTP app, realtime on (sockets subscribed to every channel written) vs off.
    const on = await startBenchServer({ driver: await db.driver(clients + 2), realtime: true, notifyChannel: `bench_b12_${runId}` });
    servers.push(on);
    const off = await startBenchServer({ driver: await db.driver(clients + 2), realtime: false });
    servers.push(off);
    let pokes = 0;
    const POKE_PREFIX = Buffer.from('{"type":"poke"');
    for (let s = 0; s < sockets; s++) {
      const ws = new WebSocket(`ws://127.0.0.1:${on.port}/sync/ws`);
      socks.push(ws);
      await new Promise((resolve, reject) => {
        ws.once('error', reject);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token: 'bench', clientId: `sock-${runId}-${s}`, channels: Array.from({ length: CHANNELS }, (_, i) => `b12-l${i}`) })));
        ws.on('message', (m) => {
          // A poke is counted by its first bytes, not parsed: reading it is the subscriber's cost,
          // not the server's, and this process runs the server.
          if (Buffer.isBuffer(m) && m.subarray(0, POKE_PREFIX.length).equals(POKE_PREFIX)) {
            pokes++;
            return;
          }
          if (JSON.parse(String(m)).type === 'ready') resolve();
        });
      });
    }
    const httpRound = (server, n = pushes) => {
      const t = `${runId}h${tag++}`;
      return round(clients, n, batch, async (c, p) => {
        const clientId = `b12-${t}-${c}`;
        const res = await fetch(`${server.url.replace('localhost', '127.0.0.1')}/sync/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
          body: JSON.stringify({ clientId, actions: batchOf(app, clientId, 1 + p * batch, batch, time) }),
        });
        const body = await res.json();
        if (!res.ok || body.rejected.length) throw new Error(`b12r: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      });
    };
    await httpRound(on, 3);
    await httpRound(off, 3);
    const httpOn = [];
    const httpOff = [];
    const pokesBefore = pokes;
    for (let r = 0; r < rounds; r++) {
      if (r % 2) {
        httpOff.push(await httpRound(off));
        httpOn.push(await httpRound(on));
      } else {
        httpOn.push(await httpRound(on));
        httpOff.push(await httpRound(off));
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    const pokesTimed = pokes - pokesBefore;
    const stats = on.tandem.stats();

    const med = (xs) => summarize(xs.map((x) => x.perSecond));
    const P = med(push);
    const R = med(raw);
    const ON = med(httpOn);
    const OFF = med(httpOff);
    const cpu = (xs) => summarize(xs.map((x) => x.nodeCpuUsPerAction)).median.toFixed(0);
    const pgCpu = (xs) => summarize(xs.map((x) => x.pgCpuUsPerAction)).median.toFixed(0);
    const S = med(rawSingle);
    const C = med(captured);
    const CS = med(capturedPerRow);
    const total = clients * pushes * batch;
    const where = db.kind === 'postgres' ? db.label : `${db.label} (the raw baseline is a jsonb_populate_recordset INSERT through the same PGlite)`;
    return [
      {
        id: 'B12',
        title: `Push throughput: \`SyncStore.push\`, ${clients} concurrent clients, batches of ${batch} one-row actions`,
        unit: 'actions/s',
        subject: { ...P, p95: Math.min(...push.map((x) => x.perSecond)), p95Label: 'slowest round' },
        baseline: { label: `one awaited single-row INSERT per action statement through \`postgres\` (the same rows, ${batch} per transaction, same ${clients} concurrent clients, same run, rows/s)`, median: S.median },
        ratio: P.median / S.median,
        target: '≥ 0.8× the single-row floor',
        pass: P.median / S.median >= 0.8,
        method: `Server side only, in the bench's Node process: ${where}; \`createPostgresDriver\` pool of ${clients + 2}. ${rounds} rounds of each, alternating, after a warm-up round; a round = ${clients} clients × ${pushes} sequential pushes × ${batch} \`addItem\` actions (${total.toLocaleString('en')} actions, ~140 B rows over ${CHANNELS} channels), rate = actions / round wall time. Per-round actions/s: push ${push.map((x) => Math.round(x.perSecond)).join(', ')}; single-row floor ${rawSingle.map((x) => Math.round(x.perSecond)).join(', ')}. Also measured, interleaved, for scale: a multi-row INSERT of the same rows (${batch} per statement): ${fmt(R.median)} (push = ${(P.median / R.median).toFixed(2)}× that); the floor's single-row INSERTs into a table with the capture trigger, action id set once per transaction: ${fmt(C.median)} (${(C.median / S.median).toFixed(2)}× the floor: what the trigger alone leaves), and set per row, pipelined, as a push does per action: ${fmt(CS.median)} (${(CS.median / S.median).toFixed(2)}× the floor). CPU per action, Node process (user+sys; it also runs the load) / all local postgres processes (/proc, other processes' load included): push ${cpu(push)} / ${pgCpu(push)} µs, single-row floor ${cpu(rawSingle)} / ${pgCpu(rawSingle)} µs, captured ${cpu(captured)} / ${pgCpu(captured)} µs, captured + id per row ${cpu(capturedPerRow)} / ${pgCpu(capturedPerRow)} µs, multi-row ${cpu(raw)} / ${pgCpu(raw)} µs. One client alone (10 sequential pushes): ${fmt(single.perSecond)} = ${ms(1000 / (single.perSecond / batch))} per push of ${batch}, vs raw ${fmt(singleRaw.perSecond)} = ${ms(1000 / (singleRaw.perSecond / batch))} per INSERT of ${batch} rows. Statements per push (timing driver, 1 client; call → result, so pipelined statements overlap): ${perPush(singleStats, 10)}.`,
        details: { push, raw, rawSingle, captured, capturedPerRow, single, singleRaw, statements: Object.fromEntries(singleStats) },
      },
      {
        id: 'B12r',
        title: `Push throughput through the HTTP app, realtime pokes on (${sockets} sockets subscribed to every channel) vs off`,
        unit: 'actions/s',
        subject: { ...ON, p95: Math.min(...httpOn.map((x) => x.perSecond)), p95Label: 'slowest round' },
        baseline: { label: 'the same HTTP pushes, app with `realtime: false` (same database, interleaved rounds)', median: OFF.median },
        ratio: ON.median / OFF.median,
        target: '≥ 0.8× without pokes',
        pass: ON.median / OFF.median >= 0.8,
        method: `Two startTandemServer instances on one ${db.kind === 'postgres' ? 'Postgres schema' : 'PGlite'} (pools of ${clients + 2}), one with realtime on (poke fan-out to local sockets + NOTIFY on a channel of this run), one with \`realtime: false\`; ${sockets} \`ws\` sockets in the same Node process said hello to the first for all ${CHANNELS} channels and only count pokes, by their first bytes (they neither parse them nor pull: that is the subscribers' work, and this process also runs the server). ${clients} HTTP clients (Node fetch, keep-alive) × ${pushes} sequential \`POST /sync/push\` × ${batch} actions per round, ${rounds} rounds each, alternating. Per-round actions/s: on ${httpOn.map((x) => Math.round(x.perSecond)).join(', ')}; off ${httpOff.map((x) => Math.round(x.perSecond)).join(', ')}. Pokes received in the timed rounds: ${pokesTimed} (${(pokesTimed / (rounds * clients * pushes * sockets)).toFixed(2)} per push per socket); app stats: ${stats.sockets} sockets, ${stats.subscriptions} subscriptions, bus ${JSON.stringify(stats.bus)}. For scale: HTTP without pokes reaches ${(OFF.median / P.median).toFixed(2)}× the direct \`store.push\` rate of B12 (Node CPU per action: on ${cpu(httpOn)} µs, off ${cpu(httpOff)} µs, direct ${cpu(push)} µs; all in one process with the load generator).`,
        details: { httpOn, httpOff, pokesTimed },
      },
    ];
  } finally {
    for (const ws of socks) ws.terminate();
    for (const s of servers) await s.close().catch(() => {});
    await db.drop();
  }
}
