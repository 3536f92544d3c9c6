import { abortReason } from '../common/abort-reason.js';
import { raceAbort } from '../common/race-abort.js';
import type { Clock } from '../common/clock.js';
import type { Random } from '../common/random.js';
import { Scope } from '../common/scope.js';
import { AdmissionTimeoutError } from './admission-timeout-error.js';

/** One backend's way of taking a slot, for {@link pollForSlot}. */
export interface SlotAttempt<T> {
  /**
   * Try once to take a slot without waiting. Resolves with what was taken, or `undefined` when every
   * slot is busy. Should stop early when `signal` aborts.
   */
  tryOnce(signal: AbortSignal): Promise<T | undefined>;
  /** Give back a slot that was taken after the caller stopped waiting (abort or deadline). */
  giveBack(taken: T): Promise<void>;
  /**
   * The error to end the wait with when the deadline passes before any try was answered: the
   * backend never said the slots were busy (a path to it gone dark, a server that accepts and never
   * replies), so an {@link AdmissionTimeoutError} ("other instances are warming") would blame the
   * fleet. Given the time waited, in ms. @default an AdmissionTimeoutError, as for a busy fleet
   */
  unanswered?(waitedMs: number): Error;
}

/**
 * The cause of a wait that ended with no answer from the backend at all (see
 * {@link SlotAttempt.unanswered}): `no answer to <what> within <ms> ms`, code `ETIMEDOUT`, so it
 * classifies `transient` as a path gone dark does. Not a busy fleet: a backend out of reach.
 */
export function noAnswerError(what: string, waitedMs: number): Error {
  const problem = `no answer to ${what} within ${Math.round(waitedMs)} ms`;
  return Object.assign(new Error(problem), { code: 'ETIMEDOUT' });
}

/** Where and how long {@link pollForSlot} waits. */
export interface PollForSlotOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** The caller's cancellation. */
  readonly signal: AbortSignal;
  /** Absolute deadline on `clock` (`Infinity` for none). */
  readonly deadline: number;
  /** For the timeout error. */
  readonly backend: string;
  /** For the timeout error. */
  readonly width: number;
}

/** A slot and the time it took to get it. */
export interface PolledSlot<T> {
  readonly taken: T;
  readonly waitedMs: number;
}

/**
 * Try to take a slot, and while every slot is busy wait with decorrelated jitter
 * (`next = min(maxDelay, uniform(initialDelay, 3 × previous))`, never past the deadline) and try again.
 *
 * - Abort: rejects at once with the signal's reason; the sleep's timer is cancelled, and a try still in
 *   flight that later succeeds is given back (without waiting for the give-back to finish).
 * - Deadline: no try starts at or after the deadline, the last wait ends at it, and a try still in
 *   flight when it passes is abandoned (and given back if it succeeds). Then rejects with
 *   {@link AdmissionTimeoutError}, or, when no try was answered at all, with the attempt's
 *   {@link SlotAttempt.unanswered} error if it has one.
 *
 * Errors of a try (a lost connection, say) end the wait and propagate as they are.
 */
export async function pollForSlot<T>(
  attempt: SlotAttempt<T>,
  options: PollForSlotOptions,
): Promise<PolledSlot<T>> {
  const { clock, signal } = options;
  const start = clock.now();
  const timeout = (): AdmissionTimeoutError =>
    new AdmissionTimeoutError(options.backend, options.width, clock.now() - start);
  if (signal.aborted) throw abortReason(signal);
  if (options.deadline <= start) throw timeout();
  const scope = Scope.root(clock, { budgetMs: options.deadline - start, signal, label: 'admission' });
  let answered = false;
  try {
    let delay = options.initialDelayMs;
    for (;;) {
      const taken = await raceAbort(attempt.tryOnce(scope.signal), scope.signal, (late) =>
        late === undefined ? undefined : attempt.giveBack(late),
      );
      answered = true;
      if (taken !== undefined) {
        if (scope.aborted) {
          // Given back as raceAbort gives back a late success, without waiting: on a backend gone dark
          // the give-back would never end, and the caller asked to stop now.
          giveBackLate(attempt, taken);
          throw abortReason(scope.signal);
        }
        return { taken, waitedMs: clock.now() - start };
      }
      const remaining = options.deadline - clock.now();
      if (remaining <= 0) throw timeout();
      const spread = Math.max(0, delay * 3 - options.initialDelayMs);
      delay = Math.min(options.maxDelayMs, options.initialDelayMs + options.random() * spread);
      await clock.sleep(Math.min(delay, remaining), scope.signal);
    }
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    if (scope.aborted) {
      throw !answered && attempt.unanswered ? attempt.unanswered(clock.now() - start) : timeout();
    }
    throw error;
  } finally {
    scope.dispose();
  }
}

/** Give back a slot nobody will use, without waiting; a failure (thrown or rejected) is ignored. */
function giveBackLate<T>(attempt: SlotAttempt<T>, taken: T): void {
  try {
    attempt.giveBack(taken).catch(() => undefined);
  } catch {
    // A backend that cannot give back leaves the slot to its own expiry (a lease, a session).
  }
}
