import { describe, expect, it, vi } from 'vitest';
import { unwatchAbort, watchAbort } from './abort-watch.js';

describe('watchAbort', () => {
  it('adds one listener per signal however many watchers, and tells each watcher still watching', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const a = { onAbort: vi.fn() };
    const b = { onAbort: vi.fn() };
    const c = { onAbort: vi.fn() };
    watchAbort(controller.signal, a);
    watchAbort(controller.signal, b);
    watchAbort(controller.signal, c);
    unwatchAbort(controller.signal, b);
    expect(add).toHaveBeenCalledTimes(1);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(a.onAbort).toHaveBeenCalledWith(reason);
    expect(c.onAbort).toHaveBeenCalledWith(reason);
    expect(b.onAbort).not.toHaveBeenCalled();
  });

  it('gives an AbortError when the signal carries no reason, and ignores unknown signals', () => {
    const controller = new AbortController();
    const watcher = { onAbort: vi.fn() };
    unwatchAbort(controller.signal, watcher);
    watchAbort(controller.signal, watcher);
    Object.defineProperty(controller.signal, 'reason', { value: undefined });
    controller.abort();
    expect(watcher.onAbort).toHaveBeenCalledTimes(1);
    expect(watcher.onAbort.mock.calls[0]![0]).toMatchObject({ name: 'AbortError' });
  });
});
