import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulationEngine } from './engine.js';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('pops in due-time order, ties in insertion order, skipping cancelled events', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 20 }), cancel: fc.boolean() }), {
          maxLength: 300,
        }),
        (specs) => {
          const queue = new EventQueue();
          const events = specs.map((spec, i) => ({ spec, i, event: queue.push(spec.at, () => undefined) }));
          for (const e of events) if (e.spec.cancel) queue.cancel(e.event);
          const expected = events
            .filter((e) => !e.spec.cancel)
            .sort((a, b) => a.spec.at - b.spec.at || a.i - b.i)
            .map((e) => e.event.seq);
          expect(queue.size).toBe(expected.length);
          const popped: number[] = [];
          for (let e = queue.pop(); e; e = queue.pop()) popped.push(e.seq);
          expect(popped).toEqual(expected);
          expect(queue.size).toBe(0);
        },
      ),
    );
  });

  it('stays in order under any mix of push, pop and cancel (against a sorted list)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), at: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const queue = new EventQueue();
        type Item = { at: number; seq: number; event: ReturnType<EventQueue['push']> };
        let model: Item[] = [];
        const all: Item[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            const event = queue.push(o.at, () => undefined);
            const item = { at: o.at, seq: event.seq, event };
            model.push(item);
            all.push(item);
          } else if (o.kind === 'pop') {
            model.sort((a, b) => a.at - b.at || a.seq - b.seq);
            expect(queue.pop()).toBe(model.shift()?.event);
          } else if (all.length > 0) {
            const item = all[o.pick % all.length]!;
            queue.cancel(item.event);
            model = model.filter((m) => m !== item);
          }
          expect(queue.size).toBe(model.length);
        }
        model.sort((a, b) => a.at - b.at || a.seq - b.seq);
        for (const item of model) expect(queue.pop()).toBe(item.event);
        expect(queue.pop()).toBeUndefined();
      }),
    );
  });

  it('cancelling a popped event leaves the count alone', () => {
    const queue = new EventQueue();
    const a = queue.push(1, () => undefined);
    queue.push(2, () => undefined);
    expect(queue.pop()).toBe(a);
    queue.cancel(a);
    expect(queue.size).toBe(1);
  });
});

describe('SimulationEngine', () => {
  it('runs timers in time order, ties in the order they were made', async () => {
    const engine = new SimulationEngine();
    const log: string[] = [];
    engine.timer(20, () => log.push(`b@${engine.now()}`));
    engine.timer(10, () => log.push(`a@${engine.now()}`));
    engine.timer(20, () => log.push(`c@${engine.now()}`));
    engine.timer(0, () => log.push(`z@${engine.now()}`));
    const result = await engine.run();
    expect(log).toEqual(['z@0', 'a@10', 'b@20', 'c@20']);
    expect(result).toEqual({ time: 20, events: 4, reason: 'idle' });
    expect(engine.pending).toBe(0);
  });

  it('lets a long await chain settle before time moves on', async () => {
    const engine = new SimulationEngine();
    const seen: number[] = [];
    const deep = async (n: number): Promise<void> => {
      if (n > 0) {
        await Promise.resolve();
        await deep(n - 1);
      }
    };
    void (async () => {
      await engine.sleep(10);
      await deep(200);
      seen.push(engine.now());
      await engine.sleep(5);
      seen.push(engine.now());
    })();
    engine.timer(11, () => seen.push(-engine.now()));
    await engine.run();
    expect(seen).toEqual([10, -11, 15]);
  });

  it('a cancelled timer never runs', async () => {
    const engine = new SimulationEngine();
    let ran = false;
    const cancel = engine.timer(5, () => (ran = true));
    expect(engine.pending).toBe(1);
    cancel();
    cancel();
    expect(engine.pending).toBe(0);
    await engine.run();
    expect(ran).toBe(false);
  });

  it('an aborted sleep rejects with the reason and leaves no timer', async () => {
    const engine = new SimulationEngine();
    const controller = new AbortController();
    const slept = engine.sleep(1_000, controller.signal);
    engine.timer(10, () => controller.abort(new Error('stop')));
    await engine.run();
    await expect(slept).rejects.toThrow('stop');
    expect(engine.pending).toBe(0);
    expect(engine.now()).toBe(10);
  });

  it('stops at `until` with the clock there, and resumes later', async () => {
    const engine = new SimulationEngine();
    const log: number[] = [];
    engine.timer(50, () => log.push(50));
    engine.timer(150, () => log.push(150));
    expect(await engine.run({ until: 100 })).toEqual({ time: 100, events: 1, reason: 'until' });
    expect(log).toEqual([50]);
    await engine.run();
    expect(log).toEqual([50, 150]);
  });

  it('stops as soon as stopWhen holds', async () => {
    const engine = new SimulationEngine();
    let count = 0;
    const tick = (): void => {
      count++;
      engine.timer(1, tick);
    };
    engine.timer(1, tick);
    const result = await engine.run({ stopWhen: () => count >= 3 });
    expect(result.reason).toBe('stopped');
    expect(engine.now()).toBe(3);
  });

  it("a killed process's timers never run and its sleeps never settle", async () => {
    const engine = new SimulationEngine();
    const process = engine.process();
    let woke = false;
    void process.clock.sleep(10).then(() => (woke = true));
    let fired = false;
    process.clock.timer(20, () => (fired = true));
    engine.timer(5, () => process.kill());
    await engine.run();
    expect(process.alive).toBe(false);
    expect(woke).toBe(false);
    expect(fired).toBe(false);
  });

  it('is deterministic: the same program gives the same trace', async () => {
    const trace = async (): Promise<string> => {
      const engine = new SimulationEngine();
      const log: string[] = [];
      for (let i = 0; i < 20; i++) {
        void (async () => {
          for (let k = 0; k < 5; k++) {
            await engine.sleep(((i * 7 + k * 3) % 11) + 1);
            log.push(`${i}:${k}@${engine.now()}`);
          }
        })();
      }
      await engine.run();
      return log.join(',');
    };
    expect(await trace()).toBe(await trace());
  });

  it("settles with setImmediate in 'immediate' mode", async () => {
    const engine = new SimulationEngine({ settle: 'immediate' });
    const seen: number[] = [];
    void (async () => {
      await engine.sleep(3);
      await new Promise<void>((resolve) => process.nextTick(resolve));
      seen.push(engine.now());
    })();
    engine.timer(4, () => seen.push(-engine.now()));
    await engine.run();
    expect(seen).toEqual([3, -4]);
  });
});
