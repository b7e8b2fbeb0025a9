import { tryStore } from './test.js';
tryStore('worker').then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));
