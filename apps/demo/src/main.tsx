import 'todomvc-common/base.css';
import 'todomvc-app-css/index.css';
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { openDemoDb, type DemoDb } from './db.ts';

// Started once, before React renders: StrictMode's double effects must not open it twice.
const db = openDemoDb();

declare global {
  interface Window {
    /** The open database, for the console and end-to-end tests (`await window.tandemDemo`). */
    tandemDemo?: Promise<DemoDb>;
  }
}
window.tandemDemo = db;
// Failures are shown by <App>; this keeps them from also surfacing as unhandled rejections.
db.catch(() => {});

const root = document.getElementById('root');
if (!root) throw new Error('index.html needs a <div id="root">');
createRoot(root).render(
  <StrictMode>
    <App db={db} />
  </StrictMode>,
);
