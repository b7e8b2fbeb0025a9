import { describe, expect, it } from 'vitest';
import { startsAsRead } from './starts-as-read.ts';

describe('startsAsRead', () => {
  it.each(['select 1', ' ( (SELECT 1))', '/* a /* nested */ comment */ with x as (select 1) select * from x', '-- why\nvalues (1)', 'TABLE todos'])('takes %j', (sql) => {
    expect(startsAsRead(sql)).toBe(true);
  });
  it.each(['insert into t values (1)', 'deallocate all', 'prepare p as select 1', 'selectx 1', 'select$1', '/* select */ listen x', '', '-- select'])('refuses %j', (sql) => {
    expect(startsAsRead(sql)).toBe(false);
  });
});
