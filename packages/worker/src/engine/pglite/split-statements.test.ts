import { describe, expect, it } from 'vitest';
import { splitStatements } from './split-statements.ts';

const texts = (script: string) => splitStatements(script).map((s) => s.text);

describe('splitStatements', () => {
  it('splits at semicolons and drops empty and comment-only pieces', () => {
    expect(texts('create table a (id text);\n\n create table b (id text) ;; -- done\n')).toEqual(['create table a (id text)', 'create table b (id text)']);
  });

  it('keeps semicolons inside strings, quoted names, comments and dollar quotes', () => {
    const script = [
      "insert into a values ('x;y', 'it''s;'), (E'\\';', 'z')",
      'create table "we;ird" (id text)',
      '/* a; /* nested; */ still; */ select 1',
      "create function f() returns int as $body$ begin return 1; end; $body$ language plpgsql",
      'select $$;$$, $1',
    ].join(';\n');
    expect(texts(script)).toEqual([
      "insert into a values ('x;y', 'it''s;'), (E'\\';', 'z')",
      'create table "we;ird" (id text)',
      '/* a; /* nested; */ still; */ select 1',
      "create function f() returns int as $body$ begin return 1; end; $body$ language plpgsql",
      'select $$;$$, $1',
    ]);
  });

  it('gives each statement its offsets in the script, for error positions', () => {
    const script = 'select 1;\ncreate tabel x (';
    const [, second] = splitStatements(script);
    expect(script.slice(second!.start, second!.end).trim()).toBe('create tabel x (');
    expect(second!.start).toBeLessThanOrEqual(script.indexOf('tabel'));
  });
});
