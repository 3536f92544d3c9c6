import { abortReason } from '../common/abort-reason.js';

/** Something to tell when a signal aborts. @internal */
export interface AbortWatcher {
  onAbort(reason: unknown): void;
}

const watchers = new WeakMap<AbortSignal, Set<AbortWatcher>>();

/**
 * Call `watcher.onAbort(reason)` when `signal` aborts, until {@link unwatchAbort}.
 *
 * Adding and removing an `abort` listener costs about a microsecond on Node 20, more than the
 * rest of a protected call. So each signal gets one listener, the first time it is watched, that
 * serves every watcher; watching and unwatching are then a set insertion and deletion. The listener
 * stays on the signal (it is a no-op when nothing is watched) and is collected with it.
 *
 * @internal
 */
export function watchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  let set = watchers.get(signal);
  if (set === undefined) {
    const created = new Set<AbortWatcher>();
    set = created;
    watchers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        const reason = abortReason(signal);
        const current = [...created];
        created.clear();
        for (const each of current) each.onAbort(reason);
      },
      { once: true },
    );
  }
  set.add(watcher);
}

/** Stop telling `watcher` about `signal`. @internal */
export function unwatchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  watchers.get(signal)?.delete(watcher);
}
