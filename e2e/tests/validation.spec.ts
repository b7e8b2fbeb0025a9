import { test, expect } from '../support/test.ts';
import { addTodoViaUi, allTodos, openDemo, runAction, todoCount, todomvc, workerStatus } from '../support/demo.ts';

test.describe('bad input is refused and writes nothing', () => {
  test.beforeEach(async ({ page }) => {
    await openDemo(page);
    await addTodoViaUi(page, 'existing');
    await expect(todomvc(page).labels).toHaveText(['existing']);
  });

  test('addTodo with an empty or non-string title rejects with invalid_args on path "title"', async ({ page }) => {
    const before = await allTodos(page);
    for (const args of [{ title: '' }, { title: '   ' }, { title: 42 }, {}]) {
      const r = await runAction(page, 'addTodo', args);
      expect(r.ok, `addTodo(${JSON.stringify(args)}) should be refused`).toBe(false);
      if (r.ok) continue;
      expect(r.error.isError).toBe(true);
      expect(r.error.kind).toBe('invalid_args');
      expect(r.error.message).toContain('title');
      const issues = (r.error.details as { issues?: { path: string; message: string }[] }).issues;
      expect(issues, 'details.issues').toEqual(expect.arrayContaining([expect.objectContaining({ path: 'title', message: expect.any(String) })]));
    }
    expect(await allTodos(page)).toEqual(before);
    await expect(todomvc(page).labels).toHaveText(['existing']);
  });

  test('other actions validate their args too', async ({ page }) => {
    const id = (await allTodos(page))[0]!.id;
    const cases: [string, unknown, string][] = [
      ['toggleTodo', { id, completed: 'yes' }, 'completed'],
      ['toggleTodo', { completed: true }, 'id'],
      ['editTodo', { id, title: 7 }, 'title'],
      ['deleteTodo', { id: '' }, 'id'],
      ['toggleAll', {}, 'completed'],
    ];
    for (const [name, args, path] of cases) {
      const r = await runAction(page, name, args);
      expect(r.ok, `${name}(${JSON.stringify(args)}) should be refused`).toBe(false);
      if (r.ok) continue;
      expect(r.error.kind).toBe('invalid_args');
      expect((r.error.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
    }
    expect(await allTodos(page)).toEqual([{ id, title: 'existing', completed: false }]);
    await expect(todomvc(page).items.first()).not.toHaveClass(/\bcompleted\b/);
  });

  test('unknown actions, failing actions and malformed queries reject with their kind and write nothing', async ({ page }) => {
    const unknown = await runAction(page, 'dropEverything', {});
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.error.isError).toBe(true);
      expect(unknown.error.kind).toBe('unknown_action');
      expect(unknown.error.message).toContain('dropEverything');
    }

    // Valid args, but the action throws (no such todo): action_failed, rolled back.
    const failed = await runAction(page, 'toggleTodo', { id: 'no-such-todo', completed: true });
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error.kind).toBe('action_failed');
      expect(failed.error.message).toContain('no-such-todo');
    }

    const malformed = await page.evaluate(async () => {
      try {
        await window.tandem!.query('', []);
        return null;
      } catch (e) {
        return (e as { kind?: string }).kind ?? 'no kind';
      }
    });
    expect(malformed).toBe('invalid_request');

    expect(await allTodos(page)).toEqual([{ id: expect.any(String), title: 'existing', completed: false }]);
    await expect(todomvc(page).labels).toHaveText(['existing']);
    await expect(todomvc(page).items.first()).not.toHaveClass(/\bcompleted\b/);
  });

  test('writes through tandem.query are refused', async ({ page }) => {
    const before = await allTodos(page);
    const attempts = [
      "insert into todos (id, list_id, title, completed, created_at) values ('sneaky', 'default', 'sneaky', false, 1)",
      "update todos set title = 'hijacked'",
      'delete from todos',
    ];
    for (const sql of attempts) {
      const outcome = await page.evaluate(async (q) => {
        try {
          const rows = await window.tandem!.query(q);
          return { ok: true as const, rows: rows.length };
        } catch (e) {
          const err = e as { kind?: string; message?: string };
          return { ok: false as const, isError: e instanceof Error, kind: err.kind, message: String(err.message) };
        }
      }, sql);
      expect(outcome.ok, `tandem.query(${JSON.stringify(sql)}) should be refused`).toBe(false);
      if (!outcome.ok) {
        expect(outcome.isError).toBe(true);
        expect(typeof outcome.kind).toBe('string');
        expect(outcome.message.length).toBeGreaterThan(0);
      }
    }
    expect(await allTodos(page)).toEqual(before);
    await expect(todomvc(page).labels).toHaveText(['existing']);
    await expect(todomvc(page).count).toHaveText('1 item left');
    // The runtime is still healthy.
    await addTodoViaUi(page, 'still works');
    await expect(todomvc(page).labels).toHaveText(['existing', 'still works']);
    expect((await workerStatus(page)).lastError).toBeNull();
  });
});
