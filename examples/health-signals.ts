/**
 * The health examples' entry points: start the example, then stop it on SIGINT or SIGTERM with the
 * exit codes of the README's "Contracts" (the same ones `runService` uses): 0 after a drain once
 * startup has settled, 130 (SIGINT) or 143 (SIGTERM) when the signal aborted startup, after cleanup.
 */
import { signalExitCode, type StopSignal } from '../src/index.js';

/** What {@link runExample} needs from an example. */
export interface StoppableExample {
  readonly url: string;
  /** Resolves when startup has settled (ready, degraded or failed). */
  readonly started: Promise<void>;
  /** Drain, close the server, stop the components; aborts a startup still under way. */
  shutdown(): Promise<void>;
  /** How startup settled, for the log line. */
  readonly orchestrator: { readonly status: string; readonly availability: string };
}

/** The process members {@link runExample} uses (tests pass an `EventEmitter`). */
export interface SignalTarget {
  on(event: StopSignal, listener: () => void): unknown;
  removeListener(event: StopSignal, listener: () => void): unknown;
  exitCode?: number | string | null | undefined;
}

/** Side effects of {@link runExample}, injected by tests. */
export interface RunExampleOptions {
  /** @default process */
  readonly process?: SignalTarget;
  /** Called on a second signal, which skips the rest of the cleanup. @default process.exit */
  readonly exit?: (code: number) => void;
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** The time in ms, to tell a signal delivered twice from a repeat. @default Date.now */
  readonly now?: () => number;
}

/**
 * The same signal again within this many ms is one Ctrl-C delivered twice (once by the terminal to
 * the process group, once relayed by `npx` or `tsx`), not a request to force the exit.
 */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

/**
 * Start an example and stop it on the first SIGINT or SIGTERM. The listeners are added before
 * `start` runs, so a signal during startup (the database still connecting) aborts it and cleans up
 * instead of killing the process with what has started left running. After the cleanup the
 * listeners are removed and `process.exitCode` set: the process then ends by itself (nothing is
 * left to keep it alive). A second signal exits at once with that signal's code (the same signal
 * within {@link DUPLICATE_SIGNAL_WINDOW_MS} is the first one delivered twice, and ignored).
 *
 * @returns Resolves once startup has settled or the example has stopped, whichever comes first.
 */
export async function runExample(
  start: () => Promise<StoppableExample>,
  options: RunExampleOptions = {},
): Promise<void> {
  const target = options.process ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  let example: StoppableExample | undefined;
  let settled = false;
  let received: StopSignal | undefined;
  let receivedAt = 0;
  let stopping: Promise<void> | undefined;

  const stop = (signal: StopSignal): Promise<void> => {
    const code = settled ? 0 : signalExitCode(signal);
    log(settled ? `${signal}: draining` : `${signal} during startup: aborting`);
    return (async () => {
      await example?.shutdown();
      dispose();
      log('stopped');
      target.exitCode = code;
    })();
  };
  const onSignal = (signal: StopSignal): void => {
    if (received !== undefined) {
      if (signal === received && now() - receivedAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
      log(`second signal (${signal}): exiting now`);
      exit(signalExitCode(signal));
      return;
    }
    received = signal;
    receivedAt = now();
    // Before `start` has returned there is nothing to shut down yet: that happens once it has.
    if (example !== undefined) stopping = stop(signal);
  };
  const listeners = {
    SIGINT: () => onSignal('SIGINT'),
    SIGTERM: () => onSignal('SIGTERM'),
  } as const;
  const dispose = (): void => {
    for (const [signal, listener] of Object.entries(listeners)) {
      target.removeListener(signal as StopSignal, listener);
    }
  };
  for (const [signal, listener] of Object.entries(listeners)) target.on(signal as StopSignal, listener);

  try {
    example = await start();
  } catch (error) {
    dispose();
    throw error;
  }
  log(`listening on ${example.url}; try: curl -i ${example.url}/readyz`);
  if (received !== undefined) {
    stopping = stop(received);
    return stopping;
  }
  // A signal from now on shuts the example down, which aborts the startup, so this settles.
  await example.started;
  if (stopping !== undefined) return stopping;
  settled = true;
  log(`startup settled: ${example.orchestrator.status} (${example.orchestrator.availability})`);
}
