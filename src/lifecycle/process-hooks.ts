/**
 * The process-level events the lifecycle listens to (termination signals, unhandled rejections,
 * uncaught exceptions, standard output whose reader has gone), behind a small injectable interface so
 * tests can fire them without touching the real process. Every listener is removed again by
 * {@link ProcessHooks.dispose}.
 */

/** The signals that stop a service. */
export type StopSignal = 'SIGTERM' | 'SIGINT';

/**
 * Signals handled as another {@link StopSignal}. SIGHUP arrives when the controlling terminal goes
 * away (a closed terminal window, a dropped SSH session). Node's default action for it is to end the
 * process at once, without cleanup, which leaves child processes (an embedded database) and server
 * connections behind. It asks the process to stop, as SIGTERM does, so it gets the same graceful
 * shutdown and the same exit code (143 during startup; the documented exit codes have no other signal code).
 */
export const SIGNAL_ALIASES: Readonly<Record<string, StopSignal>> = { SIGHUP: 'SIGTERM' };

/** Exit code of a process stopped by `signal` (128 + signal number). */
export function signalExitCode(signal: StopSignal): 130 | 143 {
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * A listener of any event. Its arguments are `any[]` so that both `process` and a plain
 * `EventEmitter` fit (their listener types use it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (...args: any[]) => void;

/** Something to add listeners to and remove them from: `process`, its streams, any `EventEmitter`. */
export interface EmitterLike {
  /** Adds `listener` for `event`. */
  on(event: string, listener: AnyListener): unknown;
  /** Removes a listener added with `on`. */
  removeListener(event: string, listener: AnyListener): unknown;
}

/**
 * What the lifecycle needs from `process`: adding and removing listeners, and optionally its standard
 * streams. `process` itself and any `EventEmitter` fit.
 */
export interface ProcessLike extends EmitterLike {
  /** Guarded against a reader that has gone (see {@link OUTPUT_GONE_CODES}). @default none */
  readonly stdout?: EmitterLike;
  /** Guarded like {@link ProcessLike.stdout}. @default none */
  readonly stderr?: EmitterLike;
}

/**
 * Write errors meaning nobody reads the output any more: `EIO` from a terminal that hung up (the
 * same event that sends SIGHUP), `EPIPE` from a pipe whose reader exited. Unhandled, each failed write
 * of a log line would be an uncaught exception, whose own log line fails again: a loop that keeps
 * the event loop busy so shutdown never finishes. These errors are dropped (there is nobody left to
 * tell); any other stream error is rethrown as before.
 */
export const OUTPUT_GONE_CODES: readonly string[] = ['EIO', 'EPIPE'];

function readerGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && OUTPUT_GONE_CODES.includes(code);
}

/** What happens on each event. */
export interface ProcessHandlers {
  /**
   * A stop signal arrived. `received` is the signal the process actually got: `signal` itself, or
   * an alias of it (`SIGHUP` for `SIGTERM`, see {@link SIGNAL_ALIASES}), for the log.
   */
  onSignal(signal: StopSignal, received: string): void;
  onFatal(kind: 'unhandledRejection' | 'uncaughtException', error: unknown): void;
}

/** Registered listeners; {@link ProcessHooks.dispose} removes them all (idempotent). */
export interface ProcessHooks {
  dispose(): void;
}

/**
 * Listen for `signals`, their `aliases` (by default {@link SIGNAL_ALIASES}: SIGHUP along with SIGTERM),
 * `unhandledRejection` and `uncaughtException` on `target`, and for write errors of its `stdout` and
 * `stderr` (see {@link OUTPUT_GONE_CODES}). An alias reaches
 * {@link ProcessHandlers.onSignal} as the signal it stands for, so a SIGHUP and a SIGTERM delivered
 * together count as one request to stop, not as a second signal that forces the exit.
 *
 * When adding a listener throws, the ones already added are removed before the error is rethrown.
 *
 * @example
 * ```ts
 * const hooks = installProcessHooks(process, ['SIGTERM', 'SIGINT'], { onSignal, onFatal });
 * // ... on close:
 * hooks.dispose();
 * ```
 */
export function installProcessHooks(
  target: ProcessLike,
  signals: readonly StopSignal[],
  handlers: ProcessHandlers,
  aliases: Readonly<Record<string, StopSignal>> = SIGNAL_ALIASES,
): ProcessHooks {
  const registered: Array<[EmitterLike, string, AnyListener]> = [];
  const add = (event: string, listener: AnyListener, on: EmitterLike = target): void => {
    on.on(event, listener);
    registered.push([on, event, listener]);
  };
  const hooks: ProcessHooks = {
    dispose() {
      for (const [on, event, listener] of registered.splice(0)) on.removeListener(event, listener);
    },
  };
  try {
    addAll(target, signals, handlers, aliases, add);
  } catch (error) {
    // A target whose `on` throws part way (a stand-in for `process`, a stream): leave nothing behind.
    hooks.dispose();
    throw error;
  }
  return hooks;
}

function addAll(
  target: ProcessLike,
  signals: readonly StopSignal[],
  handlers: ProcessHandlers,
  aliases: Readonly<Record<string, StopSignal>>,
  add: (event: string, listener: AnyListener, on?: EmitterLike) => void,
): void {
  for (const signal of signals) add(signal, () => handlers.onSignal(signal, signal));
  for (const [alias, signal] of Object.entries(aliases)) {
    if (signals.includes(signal)) add(alias, () => handlers.onSignal(signal, alias));
  }
  add('unhandledRejection', ((reason: unknown) =>
    handlers.onFatal('unhandledRejection', reason)) as AnyListener);
  add('uncaughtException', ((error: unknown) => handlers.onFatal('uncaughtException', error)) as AnyListener);
  for (const stream of [target.stdout, target.stderr]) {
    if (!stream) continue;
    add(
      'error',
      ((error: unknown) => {
        if (!readerGone(error)) throw error;
      }) as AnyListener,
      stream,
    );
  }
}
