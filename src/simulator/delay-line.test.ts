import { describe, expect, it } from 'vitest';
import { DelayLine } from './delay-line.js';
import { SimulationEngine } from './engine.js';

describe('DelayLine', () => {
  it('releases items after the delay, in order, with one engine event per due time', async () => {
    const engine = new SimulationEngine();
    const line = new DelayLine(engine, 1_000);
    const seen: Array<[string, number]> = [];
    const item = (name: string) => ({ delayed: () => seen.push([name, engine.now()]) });
    line.push(item('a'));
    line.push(item('b'));
    engine.timer(300, () => line.push(item('c')));
    const gone = { ticket: line.push(item('gone')) };
    engine.timer(100, () => gone.ticket.leave());
    const result = await engine.run();
    expect(seen).toEqual([
      ['a', 1_000],
      ['b', 1_000],
      ['c', 1_300],
    ]);
    // Two timers, the event at 1 000 for a and b, and one at 1 300: the left item costs nothing.
    expect(result.events).toBe(4);
    expect(engine.pending).toBe(0);
  });
});
