import { afterEach, describe, expect, it, vi } from 'vitest';
import { Component, createElement, act } from 'react';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import { TandemError } from '@tandem/core';
import type { Row } from '@tandem/core';
import { openTandem } from '../open-tandem.ts';
import type { Tandem } from '../tandem.ts';
import { useLiveQuery } from './index.ts';

// Real React rendering (react-dom in Chromium) against the real worker bundle.
const SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((c) => c());
  vi.restoreAllMocks();
});

async function open(): Promise<Tandem> {
  const db = await openTandem({ worker: '/tandem/tandem-worker.js', schema: SCHEMA, actionsUrl: '/todo-actions.js', name: `rh${crypto.randomUUID().slice(0, 8)}` });
  cleanups.push(() => db.close());
  return db;
}

class Boundary extends Component<{ onError: (error: unknown) => void; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: unknown) {
    this.props.onError(error);
  }
  override render() {
    return this.state.failed ? null : this.props.children;
  }
}

/** Renders `useLiveQuery` in a boundary; `seen` is every value it returned, `caught` what the boundary got. */
function mount() {
  const container = document.createElement('div');
  const root: Root = createRoot(container);
  cleanups.push(() => act(() => root.unmount()));
  const seen: (Row[] | undefined)[] = [];
  let caught: unknown;
  let onCaught = () => {};
  const Probe = ({ db, sql, params }: { db: Tandem; sql: string; params: unknown[] }) => {
    seen.push(useLiveQuery(db, sql, params));
    return null;
  };
  const render = (db: Tandem, sql: string, params: unknown[] = []) =>
    act(() =>
      root.render(
        createElement(Boundary, {
          onError: (e) => {
            caught = e;
            onCaught();
          },
          children: createElement(Probe, { db, sql, params }),
        }),
      ),
    );
  // Fails in seconds, not at the test timeout, when nothing reaches the boundary.
  const nextError = (ms = 10_000) =>
    new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No error reached the error boundary within ${ms} ms.`)), ms);
      onCaught = () => {
        clearTimeout(timer);
        resolve(caught);
      };
    });
  return { render, seen, nextError };
}

/** React logs errors caught by a boundary; these tests cause them on purpose. */
const quietReact = () => vi.spyOn(console, 'error').mockImplementation(() => {});

describe('useLiveQuery', () => {
  it('throws a query that fails at subscribe to the error boundary, as a TandemError', async () => {
    quietReact();
    const db = await open();
    const view = mount();
    const caught = view.nextError();
    await view.render(db, 'select * from no_such_table');
    expect(await caught).toBeInstanceOf(TandemError);
    expect(await caught).toMatchObject({ kind: 'query_failed', message: expect.stringContaining('no_such_table') });
    expect(view.seen.every((rows) => rows === undefined)).toBe(true);
  });

  it('throws a re-run that fails after a commit, after rendering the rows it had', async () => {
    quietReact();
    const db = await open();
    await db.actions.add!({ title: '7' });
    const view = mount();
    const caught = view.nextError();
    await view.render(db, 'select cast(title as integer) as n from todos where done = false');
    await vi.waitFor(() => expect(view.seen.at(-1)).toEqual([{ n: 7 }]), { timeout: 10_000 });
    await act(async () => void (await db.actions.add!({ title: 'milk' })));
    expect(await caught).toMatchObject({ kind: 'query_failed', message: expect.stringContaining('Live query failed') });
  });

  it('passes Date, bigint and Uint8Array params through as they are, and re-subscribes only when one changes', async () => {
    const db = await open();
    const live = vi.spyOn(db, 'live');
    const view = mount();
    // PGlite binds each by the type it infers: int8, timestamptz, bytea.
    const sql = 'select cast($1 as bigint) as a, cast($2 as timestamptz) as b, length(cast($3 as bytea)) as c';
    await view.render(db, sql, [5n, new Date(0), new Uint8Array([1, 255])]);
    await vi.waitFor(() => expect(view.seen.at(-1)).toEqual([{ a: 5, b: '1970-01-01T00:00:00+00:00', c: 2 }]), { timeout: 10_000 });
    expect(live).toHaveBeenCalledTimes(1);
    const [first] = live.mock.calls[0]![1]! as unknown[];
    expect(first).toBe(5n);
    expect((live.mock.calls[0]![1] as unknown[])[1]).toBeInstanceOf(Date);
    expect((live.mock.calls[0]![1] as unknown[])[2]).toBeInstanceOf(Uint8Array);
    // Equal values in new objects, written inline: the same query, no new subscription.
    await view.render(db, sql, [5n, new Date(0), new Uint8Array([1, 255])]);
    expect(live).toHaveBeenCalledTimes(1);
    await view.render(db, sql, [5n, new Date(1), new Uint8Array([1, 255])]);
    await view.render(db, sql, [6n, new Date(1), new Uint8Array([1, 255])]);
    await view.render(db, sql, [6n, new Date(1), new Uint8Array([1, 254])]);
    expect(live).toHaveBeenCalledTimes(4);
  });
});
