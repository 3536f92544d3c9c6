/**
 * The simulator's agenda: a 4-ary min-heap of timed callbacks ordered by due time, ties broken by
 * insertion order, so that a run is a pure function of what was scheduled and when.
 */

/**
 * Something an event runs without a closure of its own: models that schedule many events keep their
 * per-request state in one object and are called back through `fire()`.
 */
export interface Firable {
  /** The event is due. */
  fire(): void;
}

/** One scheduled callback. Cancelling removes it from the queue at once. */
export interface ScheduledEvent {
  /** Virtual due time, in ms. */
  readonly at: number;
  /** Insertion sequence number: breaks ties between events due at the same instant. */
  readonly seq: number;
  /** What to run: `target.fire()`, or `callback()` when there is no target. */
  readonly target: Firable | undefined;
  /** Run when there is no `target`. */
  readonly callback: (() => void) | undefined;
  /**
   * A quiet event settles no promise by itself (an infrastructure model moving a request along), so
   * the engine need not let continuations settle after it unless it says otherwise.
   */
  readonly quiet: boolean;
  /** Set when the event was cancelled or has been taken out to run; it will not run (again). */
  cancelled: boolean;
}

/** Run an event's callback or target. */
export function fire(event: ScheduledEvent): void {
  if (event.target !== undefined) event.target.fire();
  else event.callback!();
}

/** A scheduled event as the queue keeps it: with its place in the heap, for removal. */
class Entry implements ScheduledEvent {
  cancelled = false;
  /** Index in the heap; -1 once out of it. */
  index = -1;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly target: Firable | undefined,
    readonly callback: (() => void) | undefined,
    readonly quiet: boolean,
  ) {}
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Children per node: a 4-ary heap is half as deep as a binary one, for the same comparisons. */
const ARITY = 4;

/**
 * A 4-ary min-heap on `(at, seq)`. `push`, `pop` and `cancel` cost O(log n); a cancelled event leaves
 * the heap at once (each entry knows its index), so a workload that cancels most of its timers
 * (attempt timeouts that never fire) keeps the heap as small as what is really scheduled.
 *
 * @example
 * ```ts
 * const queue = new EventQueue();
 * const event = queue.push(10, () => console.log('ten'));
 * queue.cancel(event);
 * queue.size; // 0
 * ```
 */
export class EventQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  /** Number of events that are scheduled and not cancelled. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedule a callback or a {@link Firable} at virtual time `at` (see {@link ScheduledEvent.quiet}). */
  push(at: number, what: (() => void) | Firable, quiet = false): ScheduledEvent {
    const entry =
      typeof what === 'function'
        ? new Entry(at, this.seq++, undefined, what, quiet)
        : new Entry(at, this.seq++, what, undefined, quiet);
    this.heap.push(entry);
    this.siftUp(entry, this.heap.length - 1);
    return entry;
  }

  /** Cancel an event. Cancelling one that already ran or was cancelled does nothing. */
  cancel(event: ScheduledEvent): void {
    if (event.cancelled) return;
    const entry = event as Entry;
    entry.cancelled = true;
    this.removeAt(entry.index);
  }

  /** The earliest event, without removing it; `undefined` when empty. */
  peek(): ScheduledEvent | undefined {
    return this.heap[0];
  }

  /** Remove and return the earliest event; `undefined` when empty. */
  pop(): ScheduledEvent | undefined {
    return this.popDue(Infinity);
  }

  /**
   * Remove and return the earliest event if it is due at or before `limit`; otherwise `undefined`
   * (the queue is empty, or its next event is later).
   */
  popDue(limit: number): ScheduledEvent | undefined {
    const top = this.heap[0];
    if (top === undefined || top.at > limit) return undefined;
    // A popped event counts as done: cancelling it later does nothing.
    top.cancelled = true;
    this.removeAt(0);
    return top;
  }

  /** Due times of the scheduled events, earliest first (for tests and diagnostics; O(n log n)). */
  times(): number[] {
    return [...this.heap].sort((a, b) => (before(a, b) ? -1 : 1)).map((e) => e.at);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index]!;
    removed.index = -1;
    const last = heap.pop()!;
    if (last === removed) return;
    // Put the last entry in the hole, then restore the order in whichever direction it is broken.
    if (index > 0 && before(last, heap[(index - 1) >>> 2]!)) this.siftUp(last, index);
    else this.siftDown(last, index);
  }

  private siftUp(item: Entry, index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parentIndex = (i - 1) >>> 2;
      const parent = heap[parentIndex]!;
      if (!before(item, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = parentIndex;
    }
    heap[i] = item;
    item.index = i;
  }

  private siftDown(item: Entry, index: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = index;
    for (;;) {
      const first = ARITY * i + 1;
      if (first >= n) break;
      let child = first;
      let best = heap[first]!;
      const end = first + ARITY < n ? first + ARITY : n;
      for (let c = first + 1; c < end; c++) {
        const candidate = heap[c]!;
        if (before(candidate, best)) {
          best = candidate;
          child = c;
        }
      }
      if (!before(best, item)) break;
      heap[i] = best;
      best.index = i;
      i = child;
    }
    heap[i] = item;
    item.index = i;
  }
}
