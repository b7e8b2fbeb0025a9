// Two small browser drivers with one interface, so run.mjs is written once:
//   browser: { name, version, newTab(): Tab, close() }
//   tab:     { goto(url), url(), eval(fnSource), typeEnter(selector, text), click(selector), reload(), close(), logs() }
// `eval` takes the source of a (possibly async) function, runs it in the page and returns its JSON result.
// Firefox: puppeteer-core over WebDriver BiDi. WebKitGTK: plain W3C WebDriver HTTP to WebKitWebDriver.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const XB_MODULES = process.env.XB_MODULES || '/tmp/xb/node_modules';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- Firefox (puppeteer-core, BiDi)

export async function launchFirefox({ executablePath = process.env.FIREFOX_BIN || '/usr/lib/firefox-esr/firefox-esr', headless = true } = {}) {
  const { default: puppeteer } = await import(pathToFileURL(path.join(XB_MODULES, 'puppeteer-core', 'lib', 'esm', 'puppeteer', 'puppeteer-core.js')).href);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless,
    protocolTimeout: 180_000,
    // Firefox prints every content console message, workers' (shared and dedicated) included, to
    // its stdout with this pref: the only way here to see what the Tandem worker logs.
    extraPrefsFirefox: { 'devtools.console.stdout.content': true },
    dumpio: false,
    // A fresh profile per launch (puppeteer makes a temporary one); every page shares it.
  });
  const version = await browser.version();
  const stdout = [];
  const proc = browser.process();
  for (const stream of [proc?.stdout, proc?.stderr]) stream?.on('data', (d) => stdout.push(...String(d).split('\n').filter(Boolean)));
  let n = 0;
  return {
    name: 'firefox',
    /** Lines Firefox printed (console.* of pages and workers as `console.log: …`, `console.error: …`). */
    browserOutput: () => stdout.splice(0),
    version,
    async newTab() {
      const page = await browser.newPage();
      const id = ++n;
      const logs = [];
      page.on('console', (m) => {
        const type = m.type();
        if (type === 'error' || type === 'warn' || type === 'warning' || type === 'assert') logs.push({ t: Date.now(), kind: `console.${type}`, text: m.text() });
      });
      page.on('pageerror', (e) => logs.push({ t: Date.now(), kind: 'pageerror', text: String(e?.stack || e?.message || e) }));
      const tab = {
        id,
        goto: (url) => page.goto(url, { waitUntil: 'load', timeout: 120_000 }),
        url: async () => page.url(),
        eval: (src) => page.evaluate(`(${src})()`),
        typeEnter: async (sel, text) => {
          await page.focus(sel);
          await page.keyboard.type(text);
          await page.keyboard.press('Enter');
        },
        click: (sel) => page.click(sel),
        reload: () => page.reload({ waitUntil: 'load', timeout: 120_000 }),
        close: () => page.close({ runBeforeUnload: false }),
        logs: () => logs.splice(0),
      };
      return tab;
    },
    close: () => browser.close(),
  };
}

// ---------------------------------------------------------------- WebKitGTK (W3C WebDriver HTTP)

const ELEMENT = 'element-6066-11e4-a52f-4a1a3a54c2d1';

export async function launchWebKit({
  driver = process.env.WEBKIT_DRIVER || 'WebKitWebDriver',
  binary = process.env.WEBKIT_BROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  port = Number(process.env.WEBKIT_DRIVER_PORT || 4461),
} = {}) {
  // MiniBrowser (GTK) has no headless mode: the driver and the browser it starts run under Xvfb.
  const proc = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', driver, `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let driverLog = '';
  proc.stdout.on('data', (d) => (driverLog += d));
  proc.stderr.on('data', (d) => (driverLog += d));
  const base = `http://127.0.0.1:${port}`;
  const http = async (method, p, body) => {
    const res = await fetch(base + p, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json().catch(() => ({}));
    if (!res.ok || json?.value?.error) throw new Error(`WebDriver ${method} ${p}: ${res.status} ${JSON.stringify(json?.value ?? json).slice(0, 600)}`);
    return json.value;
  };
  for (let i = 0; ; i++) {
    try {
      await http('GET', '/status');
      break;
    } catch (e) {
      if (i > 100) throw new Error(`WebKitWebDriver did not start: ${e.message}\n${driverLog}`);
      await sleep(200);
    }
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xb-webkit-'));
  const session = await http('POST', '/session', {
    capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary, args: ['--automation'] } } },
  });
  const sid = session.sessionId;
  const s = (p) => `/session/${sid}${p}`;
  await http('POST', s('/timeouts'), { script: 120_000, pageLoad: 120_000, implicit: 0 });
  let current = await http('GET', s('/window'));
  let firstUnused = true;
  const focus = async (handle) => {
    if (current !== handle) {
      await http('POST', s('/window'), { handle });
      current = handle;
    }
  };
  const find = async (sel) => {
    const v = await http('POST', s('/element'), { using: 'css selector', value: sel });
    const id = v?.[ELEMENT] ?? v?.ELEMENT ?? (v && Object.values(v)[0]);
    if (!id) throw new Error(`no element id for ${sel} in ${JSON.stringify(v)}`);
    return id;
  };
  const run = async (src) => {
    const r = await http('POST', s('/execute/async'), {
      script: `var done = arguments[arguments.length - 1]; Promise.resolve().then(() => (${src})()).then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String((e && e.stack) || e) }));`,
      args: [],
    });
    if (r && 'err' in r) throw new Error(`in page: ${r.err}`);
    return r?.ok;
  };
  let n = 0;
  return {
    name: 'webkit',
    version: `${session.capabilities?.browserName ?? 'MiniBrowser'} ${session.capabilities?.browserVersion ?? '?'}`,
    driverLog: () => driverLog,
    dataDir,
    async newTab() {
      let handle;
      if (firstUnused) {
        handle = current;
        firstUnused = false;
      } else {
        handle = (await http('POST', s('/window/new'), { type: 'tab' })).handle;
      }
      const id = ++n;
      const pulled = [];
      const tab = {
        id,
        handle,
        goto: async (url) => {
          await focus(handle);
          await http('POST', s('/url'), { url });
        },
        url: async () => {
          await focus(handle);
          return http('GET', s('/url'));
        },
        eval: async (src) => {
          await focus(handle);
          return run(src);
        },
        typeEnter: async (sel, text) => {
          await focus(handle);
          const el = await find(sel);
          await http('POST', s(`/element/${el}/value`), { text: text + '\uE007' });
        },
        click: async (sel) => {
          await focus(handle);
          const el = await find(sel);
          await http('POST', s(`/element/${el}/click`), {});
        },
        reload: async () => {
          await focus(handle);
          await http('POST', s('/refresh'), {});
        },
        close: async () => {
          await focus(handle);
          const left = await http('DELETE', s('/window'));
          current = null;
          if (left.length) await focus(left[0]);
        },
        // WebDriver classic has no console: the instrumented index.html records into window.__xbLog.
        logs: () => pulled.splice(0),
      };
      return tab;
    },
    async close() {
      await http('DELETE', s('')).catch(() => {});
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {}
    },
  };
}
