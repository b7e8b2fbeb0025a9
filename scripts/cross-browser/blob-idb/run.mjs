// Runs blob-idb/index.html (served at --url, e.g. `python3 -m http.server 3441` in this folder) in a
// WebKitGTK WebDriver session and in Firefox, printing whether a Blob can be stored in IndexedDB.
import { launchFirefox, launchWebKit } from '../drivers.mjs';
const i = process.argv.indexOf('--url');
const url = i >= 0 ? process.argv[i + 1] : 'http://localhost:3441/index.html';
for (const launch of [launchWebKit, launchFirefox]) {
  const b = await launch();
  try {
    const t = await b.newTab();
    await t.goto(url);
    let r = null;
    for (let n = 0; n < 100 && !r; n++) {
      r = await t.eval(`async () => window.__xbResult || null`);
      if (!r) await new Promise((res) => setTimeout(res, 200));
    }
    console.log(`${b.name} ${b.version} (WebDriver session): ${JSON.stringify({ page: r?.page, worker: r?.worker })}`);
  } finally {
    await b.close();
  }
}
