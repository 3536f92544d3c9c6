import { MAX_TIMER_MS, systemClock, type CancelTimer, type Clock } from '../common/clock.js';

/** Something with a due time that the queue calls back when that time has come. @internal */
export interface DeadlineEntry {
  /** Absolute due time on the queue's clock. */
  readonly due: number;
  /** Position in the heap; -1 when not queued. Owned by the queue. */
  heapIndex: number;
  /** Called once, when `due` has passed (the entry has already left the queue). */
  expire(): void;
}

/** The longest delay Node's timers honour (about 24.8 days); the clock module's. */
export { MAX_TIMER_MS };

/**
 * Many timeouts on one clock timer: a min-heap of due times with a single timer armed for the
 * earliest. Adding or removing an entry is O(log n) and, in the common case, touches no timer at
 * all; that is what keeps a timeout's success path cheap.
 *
 * With `lazyCancel`, an emptied queue leaves its timer armed: when it fires with nothing due it
 * just stops. A run of short calls then arms one timer per timeout period instead of one per call.
 * It is used on the system clock only, whose timers are unref'd (they keep nothing alive); on any
 * other clock the timer is cancelled as soon as the queue empties, so `FakeClock.pending` counts
 * only live work.
 *
 * @internal
 */
export class DeadlineQueue {
  private readonly heap: DeadlineEntry[] = [];
  private cancelTimer: CancelTimer | undefined;
  private armedAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly lazyCancel: boolean,
  ) {}

  /** Entries waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** Whether a clock timer is armed (for tests). */
  get armed(): boolean {
    return this.cancelTimer !== undefined;
  }

  /** Queue `entry`; its `expire()` runs once `entry.due` has passed, unless removed first. */
  add(entry: DeadlineEntry): void {
    const heap = this.heap;
    entry.heapIndex = heap.length;
    heap.push(entry);
    this.up(entry.heapIndex);
    if (entry.due < this.armedAt) this.arm(entry.due);
  }

  /** Take `entry` out of the queue (no-op when it is not queued). */
  remove(entry: DeadlineEntry): void {
    const index = entry.heapIndex;
    if (index < 0) return;
    entry.heapIndex = -1;
    const heap = this.heap;
    const last = heap.pop()!;
    if (index < heap.length) {
      heap[index] = last;
      last.heapIndex = index;
      this.down(index);
      this.up(last.heapIndex);
    }
    if (heap.length === 0 && !this.lazyCancel) this.disarm();
  }

  private arm(due: number): void {
    this.disarm();
    this.armedAt = due;
    // A due time further off than a Node timer can wait is approached in steps: the timer fires
    // with nothing due, and `fire` arms it again.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, due - this.clock.now()));
    this.cancelTimer = this.clock.timer(delay, () => this.fire());
  }

  private disarm(): void {
    if (this.cancelTimer !== undefined) {
      this.cancelTimer();
      this.cancelTimer = undefined;
    }
    this.armedAt = Infinity;
  }

  private fire(): void {
    this.cancelTimer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.due <= now) {
      const entry = heap[0]!;
      this.remove(entry);
      entry.expire();
    }
    if (heap.length > 0 && heap[0]!.due < this.armedAt) this.arm(heap[0]!.due);
  }

  private up(index: number): void {
    const heap = this.heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!;
      if (above.due <= entry.due) break;
      heap[index] = above;
      above.heapIndex = index;
      index = parent;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const entry = heap[index]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.due < heap[child]!.due) child++;
      const below = heap[child]!;
      if (below.due >= entry.due) break;
      heap[index] = below;
      below.heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}

const queues = new WeakMap<Clock, DeadlineQueue>();

/** The shared queue of `clock` (lazy cancelling on the system clock only). @internal */
export function deadlineQueueFor(clock: Clock): DeadlineQueue {
  let queue = queues.get(clock);
  if (queue === undefined) {
    queue = new DeadlineQueue(clock, clock === systemClock);
    queues.set(clock, queue);
  }
  return queue;
}
