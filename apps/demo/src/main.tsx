import 'todomvc-common/base.css';
import 'todomvc-app-css/index.css';
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { openDemoDb, type DemoDb } from './db.ts';
import { currentListId } from './list-id.ts';

// Started once, before React renders: StrictMode's double effects must not open it twice.
const db = currentListId().then(openDemoDb);

declare global {
  interface Window {
    /** The open client, for the console and end-to-end tests; set before `data-ready="true"`. */
    tandem?: DemoDb;
    /** The database being opened (a promise: usable before it is ready). */
    tandemDemo?: Promise<DemoDb>;
  }
}
window.tandemDemo = db;
// Registered before <App> subscribes, so window.tandem is set before the app marks itself ready.
// Failures are shown by <App>; the empty handler keeps them from also being unhandled rejections.
db.then(
  (opened) => {
    window.tandem = opened;
  },
  () => {},
);

const root = document.getElementById('root');
if (!root) throw new Error('index.html needs a <div id="root">');
createRoot(root).render(
  <StrictMode>
    <App db={db} />
  </StrictMode>,
);
