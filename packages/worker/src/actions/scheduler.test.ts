import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.ts';

describe('Scheduler activity', () => {
  it('touch() moves the idle clock as a task does (a tab connecting delays an idle checkpoint)', async () => {
    const scheduler = new Scheduler<number>(async () => {});
    scheduler.lastActivity = 0;
    scheduler.touch();
    const touched = scheduler.lastActivity;
    expect(touched).toBeGreaterThan(0);
    scheduler.lastActivity = 0;
    await scheduler.task(async () => {});
    expect(scheduler.lastActivity).toBeGreaterThan(0);
  });
});
