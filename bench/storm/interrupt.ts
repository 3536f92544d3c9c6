/**
 * Ctrl-C (or `kill`) of the storm benchmark. Node's default action for SIGINT, SIGTERM and SIGHUP
 * ends the process at once: no `finally` runs and not even `exit` listeners, so the embedded
 * Postgres, the fleet's processes and the temporary data directories were left behind. Here the
 * first such signal aborts a signal instead, which every wait of the benchmark listens to, so it
 * unwinds through its `finally` blocks and stops what it started; a second one ends the process at
 * once (its listener is gone), for a cleanup that hangs.
 */

/** The signals that interrupt the benchmark. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** One of {@link INTERRUPT_SIGNALS}. */
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** `process`, or a stand-in for it in tests. */
export interface SignalSource {
  once(event: InterruptSignal, listener: () => void): unknown;
  removeListener(event: InterruptSignal, listener: () => void): unknown;
}

/** The exit code of a process ended by `signal` (128 + its number). */
const EXIT_CODES: Readonly<Record<InterruptSignal, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** What {@link interruptOn} returns. */
export interface Interrupt {
  /** Aborts on the first signal, with an Error naming it. */
  readonly signal: AbortSignal;
  /** 128 + the number of the signal received, or `undefined` before one arrived. */
  exitCode(): number | undefined;
  /** Removes the listeners that are still there (idempotent). */
  dispose(): void;
}

/**
 * Abort {@link Interrupt.signal} on the first of {@link INTERRUPT_SIGNALS} that `source` receives.
 * Each listener is a `once` listener, and the first signal removes the others too, so the next
 * signal gets Node's default action.
 *
 * @example
 * ```ts
 * const interrupt = interruptOn(process, (signal) => console.error(`${signal}: stopping...`));
 * try { await run({ signal: interrupt.signal }); } finally { interrupt.dispose(); }
 * ```
 */
export function interruptOn(
  source: SignalSource,
  onInterrupt: (signal: InterruptSignal) => void = () => undefined,
): Interrupt {
  const controller = new AbortController();
  let received: InterruptSignal | undefined;
  const listeners = INTERRUPT_SIGNALS.map((name) => {
    const listener = (): void => {
      received = name;
      dispose();
      onInterrupt(name);
      controller.abort(new Error(`storm: interrupted by ${name}`));
    };
    source.once(name, listener);
    return [name, listener] as const;
  });
  const dispose = (): void => {
    for (const [name, listener] of listeners.splice(0)) source.removeListener(name, listener);
  };
  return {
    signal: controller.signal,
    exitCode: () => (received === undefined ? undefined : EXIT_CODES[received]),
    dispose,
  };
}
