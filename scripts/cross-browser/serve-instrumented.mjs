// Serves the built demo like `node apps/demo/serve.mjs`, from a copy of apps/demo/dist whose index.html
// has one extra inline <script> that records console.error/warn, uncaught errors and unhandled
// rejections into `window.__xbLog` (WebDriver classic cannot read a page's console; Firefox's BiDi can,
// and the harness reads both). Nothing in the repository is changed.
//
//   TANDEM_REPO=/work/main PORT=3411 TANDEM_ENGINE=pglite DATA_DIR=/tmp/xb/data-pglite \
//     node scripts/cross-browser/serve-instrumented.mjs
//
// TANDEM_REPO: the checkout whose apps/demo/dist and dist-server are served (default: this repo).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(process.env.TANDEM_REPO || path.join(here, '..', '..'));
const engine = process.env.TANDEM_ENGINE || 'pglite';
const port = Number(process.env.PORT || 3411);

const CAPTURE = `<script>(function(){var L=window.__xbLog=[];
function s(v){try{if(v&&v.stack&&v.message!==undefined)return (v.name||'Error')+': '+v.message+'\\n'+v.stack;if(v&&typeof v==='object')return JSON.stringify(v);}catch(e){}return String(v)}
['error','warn'].forEach(function(k){var o=console[k];console[k]=function(){try{L.push({t:Date.now(),kind:k,text:[].map.call(arguments,s).join(' ')})}catch(e){}return o.apply(this,arguments)}});
addEventListener('error',function(e){if(e.target&&e.target!==window){L.push({t:Date.now(),kind:'resource',text:'failed to load '+(e.target.src||e.target.href||e.target.tagName)});return}L.push({t:Date.now(),kind:'pageerror',text:(e.message||'')+' @'+e.filename+':'+e.lineno+':'+e.colno+(e.error&&e.error.stack?'\\n'+e.error.stack:'')})},true);
addEventListener('unhandledrejection',function(e){L.push({t:Date.now(),kind:'unhandledrejection',text:s(e.reason)})});})();</script>`;

const dist = path.join(repo, 'apps', 'demo', 'dist');
const root = path.join(os.tmpdir(), `xb-root-${engine}-${port}`);
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
cpSync(dist, root, { recursive: true });
const html = readFileSync(path.join(root, 'index.html'), 'utf8');
writeFileSync(path.join(root, 'index.html'), html.replace('<head>', `<head>\n\t\t${CAPTURE}`));

const { startServer } = await import(pathToFileURL(path.join(repo, 'apps', 'demo', 'serve.mjs')).href);
const server = await startServer({ port, engine, root, dataDir: process.env.DATA_DIR || path.join(os.tmpdir(), `xb-data-${engine}-${port}`) });
console.log(`instrumented Tandem demo at ${server.url} (engine ${engine}, root ${root})`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
