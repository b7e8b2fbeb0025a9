// Vite plugin for the browser project: copies of the worker site that serve the engines' files
// wrong, for asset-errors.browser.test.ts. `/faulty/<fault>/<file>` serves the real bundle (from
// publicDir's /tandem/, see browser-test-assets.ts) except for the fault:
//   missing-wasm  every .wasm answers 404           missing-data  every .data answers 404
//   octet-stream  .wasm as application/octet-stream  html          .wasm answers an SPA's index.html
//   dropped       .wasm connections are cut (a network error)
// Each site has its own worker URL, so each is its own SharedWorker.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plugin } from 'vitest/config';
import { BROWSER_PUBLIC_DIR } from './browser-test-assets.ts';

const TYPES: Record<string, string> = {
  js: 'text/javascript',
  map: 'application/json',
  wasm: 'application/wasm',
  data: 'application/octet-stream',
  tar: 'application/x-tar',
};

export function faultyAssetSites(): Plugin {
  return {
    name: 'tandem-faulty-asset-sites',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        // A file of the bundle: at its top or in its immutable/ folder.
        const match = /^\/faulty\/([a-z-]+)\/((?:immutable\/)?[\w.-]+)(?:\?.*)?$/.exec(req.url ?? '');
        if (!match) return next();
        const [, fault, file] = match as unknown as [string, string, string];
        const ext = file.slice(file.lastIndexOf('.') + 1);
        if (fault === 'missing-wasm' && ext === 'wasm') return void res.writeHead(404).end('Not Found');
        if (fault === 'missing-data' && ext === 'data') return void res.writeHead(404).end('Not Found');
        if (fault === 'dropped' && ext === 'wasm') return void req.socket.destroy();
        if (fault === 'html' && ext === 'wasm') {
          return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>app</title><div id="root"></div>');
        }
        const type = fault === 'octet-stream' && ext === 'wasm' ? 'application/octet-stream' : (TYPES[ext] ?? 'application/octet-stream');
        readFile(join(BROWSER_PUBLIC_DIR, 'tandem', file)).then(
          (body) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
          () => res.writeHead(404).end('Not Found'),
        );
      });
    },
  };
}
