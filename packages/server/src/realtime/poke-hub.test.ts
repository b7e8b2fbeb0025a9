import { describe, expect, it } from 'vitest';
import { PokeHub } from './poke-hub.ts';

describe('PokeHub', () => {
  it('pokes only subscribers of the touched channels, each once per commit', () => {
    const hub = new PokeHub();
    const a: number[] = [];
    const b: number[] = [];
    hub.subscribe(['x', 'y'], (v) => a.push(v));
    hub.subscribe(['z'], (v) => b.push(v));
    expect(hub.publish(1, ['x', 'y'])).toBe(1);
    expect(hub.publish(2, ['z', 'w'])).toBe(1);
    expect(hub.publish(3, ['w'])).toBe(0);
    expect(hub.publish(4, 'all')).toBe(2);
    expect(a).toEqual([1, 4]);
    expect(b).toEqual([2, 4]);
  });

  it('replaces channels and forgets closed subscriptions', () => {
    const hub = new PokeHub();
    const got: number[] = [];
    const sub = hub.subscribe(['x'], (v) => got.push(v));
    sub.setChannels(['y']);
    hub.publish(1, ['x']);
    hub.publish(2, ['y']);
    sub.close();
    sub.setChannels(['x']); // after close: ignored
    hub.publish(3, ['x', 'y']);
    hub.publish(4, 'all');
    expect(got).toEqual([2]);
    expect(hub.size).toBe(0);
  });

  it('keeps poking the others when one subscriber throws', () => {
    const errors: unknown[] = [];
    const hub = new PokeHub((e) => errors.push(e));
    const got: number[] = [];
    hub.subscribe(['x'], () => {
      throw new Error('socket gone');
    });
    hub.subscribe(['x'], (v) => got.push(v));
    hub.publish(7, ['x']);
    expect(got).toEqual([7]);
    expect(errors).toHaveLength(1);
  });
});
