/**
 * A fixed-delay queue on the engine: items that all wait the same time leave in the order they came,
 * so one engine event (for the head) serves the whole line instead of one heap entry per item.
 */

import type { SimulationEngine } from './engine.js';
import type { Firable, ScheduledEvent } from './event-queue.js';

/** An item of a {@link DelayLine}: told when its wait is over, unless it left the line first. */
export interface DelayLineItem {
  /** Its wait is over. Runs inside a quiet engine event: call `engine.touch()` before settling a promise. */
  delayed(): void;
}

/** What {@link DelayLine.push} returns: `leave()` takes the item out of the line (idempotent). */
export interface DelayLineTicket {
  /** Take the item out of the line: it is not called back. Idempotent. */
  leave(): void;
}

class Entry implements DelayLineTicket {
  constructor(
    readonly at: number,
    /** Dropped when the item leaves or is released, so a dead entry holds on to nothing. */
    public item: DelayLineItem | undefined,
  ) {}

  leave(): void {
    this.item = undefined;
  }
}

/**
 * Items wait `delayMs` and then are called back, first in first out. Because the delay is fixed
 * and time never goes back, the line is sorted by due time, and only its head needs an engine
 * event. A thousand SYN retransmissions waiting the same second cost one heap entry, not a thousand.
 *
 * @example
 * ```ts
 * const retransmit = new DelayLine(engine, 1_000);
 * const ticket = retransmit.push({ delayed: () => tryAgain() });
 * ticket.leave(); // gave up before the second was over
 * ```
 */
export class DelayLine implements Firable {
  private entries: Entry[] = [];
  private head = 0;
  private event: ScheduledEvent | undefined;

  constructor(
    private readonly engine: SimulationEngine,
    /** How long every item waits, in ms. */
    readonly delayMs: number,
  ) {}

  /** Items in the line (including ones that left but were not yet dropped). */
  get length(): number {
    return this.entries.length - this.head;
  }

  /** Queue `item` for `delayMs`. */
  push(item: DelayLineItem): DelayLineTicket {
    const entry = new Entry(this.engine.now() + this.delayMs, item);
    this.entries.push(entry);
    if (this.event === undefined) this.event = this.engine.at(entry.at, this, true);
    return entry;
  }

  /** @internal The head's time has come: release every item that is due. */
  fire(): void {
    this.event = undefined;
    const now = this.engine.now();
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head]!;
      if (entry.at > now) break;
      this.head++;
      const item = entry.item;
      if (item !== undefined) {
        entry.item = undefined;
        item.delayed();
      }
    }
    // Skip items that left the line: no event for them.
    while (this.head < this.entries.length && this.entries[this.head]!.item === undefined) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    const next = this.entries[this.head];
    if (next !== undefined && this.event === undefined) this.event = this.engine.at(next.at, this, true);
  }
}
