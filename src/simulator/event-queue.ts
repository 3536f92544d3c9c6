/**
 * The simulator's agenda: a binary min-heap of timed callbacks ordered by due time, ties broken by
 * insertion order, so that a run is a pure function of what was scheduled and when.
 */

/**
 * Something an event runs without a closure of its own: models that schedule many events keep their
 * per-request state in one object and are called back through `fire()`.
 */
export interface Firable {
  fire(): void;
}

/** One scheduled callback. Cancelling marks it; the heap drops it lazily when it surfaces. */
export interface ScheduledEvent {
  /** Virtual due time, in ms. */
  readonly at: number;
  /** Insertion sequence number: breaks ties between events due at the same instant. */
  readonly seq: number;
  /** What to run: `target.fire()`, or `callback()` when there is no target. */
  readonly target: Firable | undefined;
  readonly callback: (() => void) | undefined;
  /**
   * A quiet event settles no promise by itself (an infrastructure model moving a request along), so
   * the engine need not let continuations settle after it unless it says otherwise.
   */
  readonly quiet: boolean;
  /** Set when the event was cancelled; it will not run. */
  cancelled: boolean;
}

/** Run an event's callback or target. */
export function fire(event: ScheduledEvent): void {
  if (event.target !== undefined) event.target.fire();
  else event.callback!();
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * A binary min-heap on `(at, seq)` with lazy cancellation. `push`/`pop` cost O(log n); cancelled
 * entries are compacted away when they outnumber the live ones, so a workload that cancels most of
 * its timers (attempt timeouts that never fire) keeps the heap small.
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
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  private live = 0;

  /** Number of events that are scheduled and not cancelled. */
  get size(): number {
    return this.live;
  }

  /** Schedule a callback or a {@link Firable} at virtual time `at` (see {@link ScheduledEvent.quiet}). */
  push(at: number, what: (() => void) | Firable, quiet = false): ScheduledEvent {
    const event: ScheduledEvent =
      typeof what === 'function'
        ? { at, seq: this.seq++, target: undefined, callback: what, quiet, cancelled: false }
        : { at, seq: this.seq++, target: what, callback: undefined, quiet, cancelled: false };
    this.heap.push(event);
    this.siftUp(this.heap.length - 1);
    this.live++;
    return event;
  }

  /** Cancel an event. Cancelling one that already ran or was cancelled does nothing. */
  cancel(event: ScheduledEvent): void {
    if (event.cancelled) return;
    event.cancelled = true;
    this.live--;
    if (this.heap.length > 64 && this.live < this.heap.length >>> 2) this.compact();
  }

  /** The earliest live event, without removing it; `undefined` when empty. */
  peek(): ScheduledEvent | undefined {
    this.dropCancelledTop();
    return this.heap[0];
  }

  /** Remove and return the earliest live event; `undefined` when empty. */
  pop(): ScheduledEvent | undefined {
    this.dropCancelledTop();
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.removeTop();
    this.live--;
    // A popped event counts as done: cancelling it later must not change `live`.
    top.cancelled = true;
    return top;
  }

  /**
   * Remove and return the earliest live event if it is due at or before `limit`; otherwise
   * `undefined` (the queue is empty, or its next event is later).
   */
  popDue(limit: number): ScheduledEvent | undefined {
    this.dropCancelledTop();
    const top = this.heap[0];
    if (top === undefined || top.at > limit) return undefined;
    this.removeTop();
    this.live--;
    top.cancelled = true;
    return top;
  }

  /** Due times of the live events, earliest first (for tests and diagnostics; O(n log n)). */
  times(): number[] {
    return this.heap
      .filter((e) => !e.cancelled)
      .sort((a, b) => (before(a, b) ? -1 : 1))
      .map((e) => e.at);
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.removeTop();
  }

  private removeTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => !e.cancelled);
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const p = heap[parent]!;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index]!;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right]!, heap[left]!)) child = right;
      if (!before(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }
}
