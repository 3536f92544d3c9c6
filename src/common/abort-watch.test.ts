import { describe, expect, it, vi } from 'vitest';
import { unwatchAbort, watchAbort, type AbortWatcher } from './abort-watch.js';

function watcher() {
  return {
    watchPrev: undefined,
    watchNext: undefined,
    onAbort: vi.fn<(reason: unknown) => void>(),
  } satisfies AbortWatcher;
}

describe('watchAbort', () => {
  it('adds one listener per signal however many watchers, and tells each watcher still watching', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const [a, b, c] = [watcher(), watcher(), watcher()];
    watchAbort(controller.signal, a);
    watchAbort(controller.signal, b);
    watchAbort(controller.signal, c);
    unwatchAbort(b);
    unwatchAbort(b); // twice is harmless
    expect(add).toHaveBeenCalledTimes(1);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(a.onAbort).toHaveBeenCalledWith(reason);
    expect(c.onAbort).toHaveBeenCalledWith(reason);
    expect(b.onAbort).not.toHaveBeenCalled();
    expect([a.watchNext, c.watchNext]).toEqual([undefined, undefined]);
  });

  it('keeps watchers of different signals apart, and lets a watcher unwatch others while told', () => {
    const first = new AbortController();
    const second = new AbortController();
    const [a, b, c] = [watcher(), watcher(), watcher()];
    watchAbort(first.signal, a);
    watchAbort(second.signal, b);
    watchAbort(first.signal, c);
    a.onAbort.mockImplementation(() => unwatchAbort(c));
    first.abort(new Error('first'));
    expect(a.onAbort).toHaveBeenCalledTimes(1);
    expect(c.onAbort).toHaveBeenCalledTimes(1); // it was already taken off the list when told
    expect(b.onAbort).not.toHaveBeenCalled();
    second.abort(new Error('second'));
    expect(b.onAbort).toHaveBeenCalledTimes(1);
  });

  it('gives an AbortError when the signal carries no reason', () => {
    const controller = new AbortController();
    const w = watcher();
    watchAbort(controller.signal, w);
    Object.defineProperty(controller.signal, 'reason', { value: undefined });
    controller.abort();
    expect(w.onAbort).toHaveBeenCalledTimes(1);
    expect(w.onAbort.mock.calls[0]![0]).toMatchObject({ name: 'AbortError' });
  });
});
