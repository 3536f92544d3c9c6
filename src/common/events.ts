/** Something that holds a resource until disposed (a listener registration, for example). */
export interface Disposable {
  /** Releases the resource (removes the listener). */
  dispose(): void;
}

/** Subscribes a listener; the returned {@link Disposable} removes it. */
export type Event<T> = (listener: (event: T) => void) => Disposable;

/** One subscription: a listener, and whether it is still subscribed. */
interface Registration<T> {
  readonly listener: (event: T) => void;
  live: boolean;
}

/**
 * A typed, synchronous event source. A listener that throws does not stop the others; the error is
 * re-thrown asynchronously so that it is not lost.
 *
 * Each subscription is its own: the same function subscribed twice is called twice, and disposing
 * one subscription leaves the other. Once `dispose()` (or {@link Emitter.clear}) has returned, the
 * listener is not called again, even by an `emit` already under way; a listener subscribed during
 * an `emit` hears the next one.
 *
 * @example
 * ```ts
 * const changed = new Emitter<{ from: string; to: string }>();
 * const sub = changed.event((e) => console.log(e.from, '->', e.to));
 * changed.emit({ from: 'closed', to: 'open' });
 * sub.dispose();
 * ```
 */
export class Emitter<T> {
  /** Replaced, never mutated, so that an `emit` under way walks the list it started with. */
  private registrations: Array<Registration<T>> = [];

  /** Subscribe to this emitter. */
  readonly event: Event<T> = (listener) => {
    const registration: Registration<T> = { listener, live: true };
    this.registrations = [...this.registrations, registration];
    return {
      dispose: () => {
        if (!registration.live) return;
        registration.live = false;
        this.registrations = this.registrations.filter((r) => r !== registration);
      },
    };
  };

  /** Whether anyone listens (lets hot paths skip building the event). */
  get hasListeners(): boolean {
    return this.registrations.length > 0;
  }

  /** Call every listener with `event`. */
  emit(event: T): void {
    for (const registration of this.registrations) {
      if (!registration.live) continue; // disposed by an earlier listener of this emit
      try {
        registration.listener(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Remove every listener. */
  clear(): void {
    for (const registration of this.registrations) registration.live = false;
    this.registrations = [];
  }
}
