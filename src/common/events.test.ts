import { describe, expect, it } from 'vitest';
import { Emitter, type Disposable } from './events.js';

describe('Emitter subscriptions', () => {
  it('keeps each subscription of the same function apart: disposing one leaves the other', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const listener = (n: number): void => void seen.push(n);
    const first = emitter.event(listener);
    emitter.event(listener);
    emitter.emit(1);
    expect(seen).toEqual([1, 1]);
    first.dispose();
    first.dispose(); // twice is harmless and removes nothing more
    emitter.emit(2);
    expect(seen).toEqual([1, 1, 2]);
    expect(emitter.hasListeners).toBe(true);
  });

  it('does not call a listener disposed by an earlier listener of the same emit', () => {
    const emitter = new Emitter<string>();
    const calls: string[] = [];
    const later: Disposable[] = [];
    emitter.event((e) => {
      calls.push(`first:${e}`);
      for (const subscription of later) subscription.dispose();
    });
    later.push(emitter.event((e) => calls.push(`later:${e}`)));
    emitter.emit('a');
    emitter.emit('b');
    expect(calls).toEqual(['first:a', 'first:b']);
  });

  it('does not call the rest of an emit once a listener clears the emitter', () => {
    const emitter = new Emitter<string>();
    const calls: string[] = [];
    emitter.event(() => {
      calls.push('first');
      emitter.clear();
    });
    emitter.event(() => calls.push('second'));
    emitter.emit('x');
    expect(calls).toEqual(['first']);
    expect(emitter.hasListeners).toBe(false);
  });

  it('lets a listener subscribed during an emit hear the next emit only', () => {
    const emitter = new Emitter<number>();
    const calls: string[] = [];
    let added = false;
    emitter.event((n) => {
      calls.push(`first:${n}`);
      if (!added) {
        added = true;
        emitter.event((m) => calls.push(`added:${m}`));
      }
    });
    emitter.emit(1);
    emitter.emit(2);
    expect(calls).toEqual(['first:1', 'first:2', 'added:2']);
  });
});
