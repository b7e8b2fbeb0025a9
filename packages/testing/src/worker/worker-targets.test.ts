import { describe, expect, it } from 'vitest';
import { pickWorker } from './worker-targets.ts';
import type { TargetInfo } from './worker-targets.ts';

const target = (targetId: string, url: string, title = url): TargetInfo => ({ targetId, type: 'shared_worker', url, title });
const analytics = target('A', 'https://app.test/analytics-worker.js', 'analytics');
const tandem = target('T', 'https://app.test/tandem/tandem-worker.js', 'tandem:app');
const renamed = target('R', 'https://app.test/assets/db-4f2a.js', 'tandem:app');

describe('pickWorker', () => {
  it("without a url, picks Tandem's worker by its URL or its name, among others", () => {
    expect(pickWorker([analytics, tandem], undefined)).toBe(tandem);
    expect(pickWorker([analytics, renamed], undefined)).toBe(renamed);
  });

  it('without a url, takes the only worker, but does not guess among several others', () => {
    expect(pickWorker([analytics], undefined)).toBe(analytics);
    expect(pickWorker([analytics, target('B', 'https://app.test/b.js')], undefined)).toBeUndefined();
    expect(pickWorker([], undefined)).toBeUndefined();
  });

  it('with a url, matches it against the URL only (a substring, or a RegExp)', () => {
    expect(pickWorker([tandem, analytics], 'analytics')).toBe(analytics);
    expect(pickWorker([tandem, analytics], /analytics-worker\.js$/)).toBe(analytics);
    expect(pickWorker([tandem, renamed], 'nothing')).toBeUndefined();
  });
});
