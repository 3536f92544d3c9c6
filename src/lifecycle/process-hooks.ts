/**
 * The process-level events the lifecycle listens to (termination signals, unhandled rejections,
 * uncaught exceptions), behind a small injectable interface so tests can fire them without touching
 * the real process. Every listener is removed again by {@link ProcessHooks.dispose}.
 */

/** The signals that stop a service. */
export type StopSignal = 'SIGTERM' | 'SIGINT';

/** Exit code of a process stopped by `signal` (128 + signal number). */
export function signalExitCode(signal: StopSignal): 130 | 143 {
  return signal === 'SIGINT' ? 130 : 143;
}

// `any[]` so that both `process` and a plain `EventEmitter` fit (their listener types use it).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (...args: any[]) => void;

/**
 * What the lifecycle needs from `process`: adding and removing listeners. `process` itself and any
 * `EventEmitter` fit.
 */
export interface ProcessLike {
  on(event: string, listener: AnyListener): unknown;
  removeListener(event: string, listener: AnyListener): unknown;
}

/** What happens on each event. */
export interface ProcessHandlers {
  onSignal(signal: StopSignal): void;
  onFatal(kind: 'unhandledRejection' | 'uncaughtException', error: unknown): void;
}

/** Registered listeners; {@link ProcessHooks.dispose} removes them all (idempotent). */
export interface ProcessHooks {
  dispose(): void;
}

/**
 * Listen for `signals`, `unhandledRejection` and `uncaughtException` on `target`.
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
): ProcessHooks {
  const registered: Array<[string, AnyListener]> = [];
  const add = (event: string, listener: AnyListener): void => {
    target.on(event, listener);
    registered.push([event, listener]);
  };
  for (const signal of signals) add(signal, () => handlers.onSignal(signal));
  add('unhandledRejection', ((reason: unknown) =>
    handlers.onFatal('unhandledRejection', reason)) as AnyListener);
  add('uncaughtException', ((error: unknown) => handlers.onFatal('uncaughtException', error)) as AnyListener);
  return {
    dispose() {
      for (const [event, listener] of registered.splice(0)) target.removeListener(event, listener);
    },
  };
}
