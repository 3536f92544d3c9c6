/** Something that holds a resource until disposed (a listener registration, for example). */
export interface Disposable {
  /** Releases the resource (removes the listener). */
  dispose(): void;
}

/** Subscribes a listener; the returned {@link Disposable} removes it. */
export type Event<T> = (listener: (event: T) => void) => Disposable;

/**
 * A typed, synchronous event source. A listener that throws does not stop the others; the error is
 * re-thrown asynchronously so that it is not lost.
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
  private listeners: Array<(event: T) => void> = [];

  /** Subscribe to this emitter. */
  readonly event: Event<T> = (listener) => {
    this.listeners = [...this.listeners, listener];
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  /** Whether anyone listens (lets hot paths skip building the event). */
  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Call every listener with `event`. */
  emit(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Remove every listener. */
  clear(): void {
    this.listeners = [];
  }
}
