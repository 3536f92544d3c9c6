/**
 * The steps of a pool's background growth ({@link runPoolGrowth}), as the timeline shows them.
 */

import type { ErrorClass } from '../../errors/classification.js';

/** A step of the growth loop, for the timeline. */
export type GrowthEvent =
  | {
      /** A fleet admission slot was granted. */
      readonly type: 'admission-wait';
      /** The admission backend's name (`postgres`, `redis`, `local`). */
      readonly backend: string;
      /** How long the wait for the slot took, in ms on the loop's clock. */
      readonly waitedMs: number;
    }
  | {
      /** No fleet admission slot was granted (timeout or error); the pool stays at what it has. */
      readonly type: 'admission-failed';
      /** The admission backend's name. */
      readonly backend: string;
      /** How long the failed wait took, in ms on the loop's clock. */
      readonly waitedMs: number;
      /** The redacted error message. */
      readonly message: string;
    }
  | {
      /**
       * The admission slot was lost while growing (the lease's `signal` aborted): growth stopped
       * opening connections at once, and settles as given up (`pool-growth-gave-up` follows).
       */
      readonly type: 'admission-lost';
      /** The admission backend's name. */
      readonly backend: string;
      /** Connections open when the loss was noticed; they stay open. */
      readonly open: number;
      /** The redacted reason of the loss. */
      readonly message: string;
    }
  | {
      /**
       * The admission slot's release did not finish within `releaseTimeoutMs` (its round trip went
       * dark): growth went on without waiting for it. The slot frees itself: with
       * `closedConnection`, the pool connection holding its Postgres lock was closed; a Redis lease
       * expires.
       */
      readonly type: 'admission-release-abandoned';
      /** The admission backend's name. */
      readonly backend: string;
      /** How long the release was waited for, in ms on the loop's clock. */
      readonly waitedMs: number;
      /** Whether a statement sent on the pool session was unanswered, and its connection closed. */
      readonly closedConnection: boolean;
    }
  | {
      /** Growth toward the target starts (after the admission wait, when there is one). */
      readonly type: 'pool-growing';
      /** Connections open. */
      readonly open: number;
      /** Connections the pool aims to hold. */
      readonly target: number;
    }
  | {
      /** The server was full (a `capacity` error): the target was lowered to what is open. */
      readonly type: 'pool-target-lowered';
      /** The target before. */
      readonly from: number;
      /** The new target: the connections open, but never below `minReady`. */
      readonly to: number;
      /** The driver's code of the refusal (`53300`, `57P03`), or `undefined` when it had none. */
      readonly code: string | undefined;
    }
  | {
      /** A round of opens failed; the loop sleeps before deciding the target again. */
      readonly type: 'pool-growth-backoff';
      /** The sleep, in ms (rounded). */
      readonly delayMs: number;
      /** Failed rounds in a row without a connection gained. */
      readonly failures: number;
    }
  | {
      /**
       * The pool is back at `minReady` after an outage lowered its target while below it: the
       * target from before the outage applies again.
       */
      readonly type: 'pool-target-restored';
      /** The target before. */
      readonly from: number;
      /** The restored target. */
      readonly to: number;
    }
  | {
      /** A recheck found capacity freed: the target was raised (growth then runs under admission). */
      readonly type: 'pool-target-raised';
      /** The target before. */
      readonly from: number;
      /** The new target. */
      readonly to: number;
    }
  | {
      /** The pool holds its target. */
      readonly type: 'pool-at-target';
      /** Connections open. */
      readonly open: number;
      /** Connections the pool aims to hold. */
      readonly target: number;
    }
  | {
      /**
       * Growth stopped short of the target, which is set to what is open (never below `minReady`):
       * failures went on past `maxGrowthRetries` (or waiting cannot fix them) with at least
       * `minReady` open, the admission wait failed, or the admission slot was lost.
       */
      readonly type: 'pool-growth-gave-up';
      /** Connections open, now the target. */
      readonly open: number;
      /** The class of the last failure. */
      readonly class: ErrorClass;
      /** The last failure's redacted message. */
      readonly message: string;
    };
