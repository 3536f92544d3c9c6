import { redactText, safeMessage } from '../common/redact.js';
import type { ErrorClass } from '../errors/classification.js';
import { classify as defaultClassify, type Classifier } from '../errors/classify.js';
import { requireInteger } from '../policies/validate.js';
import type { Availability } from './availability.js';
import { errorCodeOf } from './component-runtime.js';
import type { OrchestratorEvent, OrchestratorEventType } from './orchestrator-events.js';

/** Version of the {@link TimelineJSON} schema; bumped on any incompatible change. */
export const TIMELINE_SCHEMA_VERSION = 1;

/**
 * One event of a {@link TimelineJSON}. Every key is always present (`null` when it does not apply),
 * so consumers can rely on the shape. Times and durations are whole milliseconds; every string is
 * redacted.
 */
export interface TimelineEntry {
  /** Ms since startup began (clock time). */
  readonly t: number;
  /** What happened. */
  readonly type: OrchestratorEventType;
  /** The phase concerned, or null (`startup-*`, availability and status changes). */
  readonly phase: string | null;
  /** The component concerned, or null for phase and startup events. */
  readonly component: string | null;
  /**
   * `component-attempt` / `-attempt-end`: the attempt number. `component-ready`, `-failed`,
   * `-degraded`, `-recovered`: the number of attempts made. `startup-end` (failed): attempts of the
   * failing component.
   */
  readonly attempt: number | null;
  /**
   * `ok`/`error` (attempt-end, stop: also `timeout`), the phase state (phase-end), `fatal`/`skipped`/
   * `aborted` (failed), `ready`, `degraded`, `unhealthy`, `healthy`, the new level or status
   * (availability-change, status-change), or the startup outcome (startup-end).
   */
  readonly outcome: string | null;
  /** Attempt, phase, component start, stop or startup duration; `downMs` for `component-recovered`. */
  readonly durationMs: number | null;
  /** Class of the error, or null when there is none. */
  readonly errorClass: ErrorClass | null;
  /** Stable code of the error (`PG_ERR_*`, `ECONNREFUSED`, a SQLSTATE, or the error's name). */
  readonly errorCode: string | null;
  /** Redacted error message. */
  readonly message: string | null;
  /**
   * Extra fields, redacted: `budgetMs` (phase-start), `recovery: true` (recovery attempts),
   * `critical` (failed), `degradesTo` (degraded), `mark` plus the mark's own data (component-mark),
   * `from`/`to` (availability-change, status-change), `availability` (startup-end).
   */
  readonly data: Readonly<Record<string, unknown>> | null;
}

/** The JSON form of a {@link Timeline} (`version` 1). */
export interface TimelineJSON {
  /** Schema version ({@link TIMELINE_SCHEMA_VERSION}). */
  readonly version: typeof TIMELINE_SCHEMA_VERSION;
  /** Epoch ms when startup began (wall clock), or null before. */
  readonly startedAt: number | null;
  /** The total startup budget in ms, or null when unbounded or not started. */
  readonly budgetMs: number | null;
  /** Phase names in plan order. */
  readonly phases: readonly string[];
  /** From start to the end of startup, or null while starting. */
  readonly durationMs: number | null;
  /** How startup ended, or null while starting. */
  readonly outcome: 'ready' | 'degraded' | 'failed' | 'aborted' | null;
  /** Availability when startup ended, or null while starting. */
  readonly availability: Availability | null;
  /**
   * Events dropped to respect `maxEvents`: during startup only repeated attempt and mark events past
   * the first `maxEvents / 2` events, after startup the oldest later events.
   */
  readonly dropped: number;
  /** The events, in the order they were recorded. */
  readonly events: readonly TimelineEntry[];
}

/** Options of {@link Timeline}. */
export interface TimelineOptionsInput {
  /** Classifies errors of events that carry no class. @default classify */
  readonly classify?: Classifier;
  /**
   * Most events kept. Past the limit, during startup the oldest `component-attempt`,
   * `component-attempt-end` and `component-mark` events after the first `maxEvents / 2` events are
   * dropped (a component retrying for a long, or unbounded, budget), so the start of the story, its
   * latest attempts and every phase, outcome and status event stay; after startup the oldest
   * post-startup events (health flaps, recovery attempts) are dropped. A whole number >= 1, or
   * `Infinity` to keep every event. @default 10_000
   */
  readonly maxEvents?: number;
}

/**
 * Every orchestrator event, with its clock time: the record of how startup went. The orchestrator
 * keeps one (`orchestrator.timeline`); {@link formatWaterfall} renders it as text.
 *
 * @example
 * ```ts
 * const json = orchestrator.timeline.toJSON(); // { version: 1, ..., events: [{ t: 0, type: 'startup-start', ... }, ...] }
 * ```
 */
export class Timeline {
  private readonly recorded: OrchestratorEvent[] = [];
  private readonly classify: Classifier;
  private readonly maxEvents: number;
  private startupEvents = Infinity;
  private droppedCount = 0;

  /**
   * Starts empty; `maxEvents` defaults to 10 000 and `classify` to the built-in `classify`.
   * @throws ConfigError at `timeline.maxEvents` when it is not a whole number >= 1 or `Infinity`.
   */
  constructor(options: TimelineOptionsInput = {}) {
    this.classify = options.classify ?? defaultClassify;
    this.maxEvents = requireInteger('timeline.maxEvents', options.maxEvents ?? 10_000, 1, true);
  }

  /** The raw events, oldest first. */
  get events(): readonly OrchestratorEvent[] {
    return this.recorded;
  }

  /** Record one event. */
  record(event: OrchestratorEvent): void {
    this.recorded.push(event);
    if (event.type === 'startup-end') this.startupEvents = this.recorded.length;
    if (this.recorded.length <= this.maxEvents) return;
    // The newest event is always kept.
    const index =
      this.recorded.length - 1 > this.startupEvents ? this.startupEvents : this.oldestRepeatedStartupEvent();
    if (index < 0) return;
    this.recorded.splice(index, 1);
    if (index < this.startupEvents) this.startupEvents--;
    this.droppedCount++;
  }

  /**
   * The index of the oldest attempt or mark event after the first `maxEvents / 2` (and before the
   * newest and before `startup-end`), or -1. Phase, outcome and status events are bounded by the plan;
   * attempts are not, when a component retries for long.
   */
  private oldestRepeatedStartupEvent(): number {
    const end = Math.min(this.recorded.length - 1, this.startupEvents);
    for (let i = Math.floor(this.maxEvents / 2); i < end; i++) {
      const type = this.recorded[i]!.type;
      if (type === 'component-attempt' || type === 'component-attempt-end' || type === 'component-mark')
        return i;
    }
    return -1;
  }

  /** The stable, redacted JSON form (schema {@link TimelineJSON}). */
  toJSON(): TimelineJSON {
    const start = this.recorded.find((e) => e.type === 'startup-start');
    const end = this.recorded.find((e) => e.type === 'startup-end');
    const t0 = start?.at ?? this.recorded[0]?.at ?? 0;
    return {
      version: TIMELINE_SCHEMA_VERSION,
      startedAt: start ? Math.round(start.wallTime) : null,
      budgetMs: start && Number.isFinite(start.budgetMs) ? Math.round(start.budgetMs) : null,
      phases: start ? [...start.phases] : [],
      durationMs: end ? Math.round(end.durationMs) : null,
      outcome: end ? end.outcome : null,
      availability: end ? end.availability : null,
      dropped: this.droppedCount,
      events: this.recorded.map((event) => entryOf(event, t0, this.classify)),
    };
  }
}

const ms = (value: number): number | null => (Number.isFinite(value) ? Math.round(value) : null);

function entryOf(event: OrchestratorEvent, t0: number, classify: Classifier): TimelineEntry {
  const base = {
    t: Math.round(event.at - t0),
    type: event.type,
    phase: 'phase' in event ? event.phase : null,
    component: 'component' in event ? event.component : null,
    attempt: null as number | null,
    outcome: null as string | null,
    durationMs: null as number | null,
    errorClass: null as ErrorClass | null,
    errorCode: null as string | null,
    message: null as string | null,
    data: null as Record<string, unknown> | null,
  };
  const withError = (error: unknown, errorClass?: ErrorClass): void => {
    if (error === undefined) return;
    base.errorClass = errorClass ?? classify(error);
    base.errorCode = errorCodeOf(error);
    base.message = safeMessage(error);
  };
  switch (event.type) {
    case 'startup-start':
      break;
    case 'startup-end': {
      base.outcome = event.outcome;
      base.durationMs = ms(event.durationMs);
      withError(event.error);
      const context = event.error as { phase?: unknown; component?: unknown; attempts?: unknown } | undefined;
      if (typeof context?.phase === 'string') base.phase = context.phase;
      if (typeof context?.component === 'string') base.component = context.component;
      if (typeof context?.attempts === 'number') base.attempt = context.attempts;
      base.data = { availability: event.availability };
      break;
    }
    case 'phase-start':
      base.data = { budgetMs: ms(event.budgetMs) };
      break;
    case 'phase-end':
      base.outcome = event.state;
      base.durationMs = ms(event.durationMs);
      break;
    case 'component-attempt':
      base.attempt = event.attempt;
      if (event.recovery) base.data = { recovery: true };
      break;
    case 'component-attempt-end':
      base.attempt = event.attempt;
      base.outcome = event.outcome;
      base.durationMs = ms(event.durationMs);
      withError(event.error, event.errorClass);
      if (event.recovery) base.data = { recovery: true };
      break;
    case 'component-ready':
      base.attempt = event.attempts;
      base.outcome = 'ready';
      base.durationMs = ms(event.durationMs);
      break;
    case 'component-failed':
      base.attempt = event.attempts;
      base.outcome = event.outcome;
      base.durationMs = ms(event.durationMs);
      withError(event.error, event.errorClass);
      base.data = { critical: event.critical };
      break;
    case 'component-degraded':
      base.attempt = event.attempts;
      base.outcome = 'degraded';
      base.durationMs = ms(event.durationMs);
      withError(event.error, event.errorClass);
      base.data = { degradesTo: event.degradesTo };
      break;
    case 'component-recovered':
      base.attempt = event.attempts;
      base.outcome = 'ready';
      base.durationMs = ms(event.downMs);
      break;
    case 'component-unhealthy':
      base.outcome = 'unhealthy';
      withError(event.error);
      break;
    case 'component-healthy':
      base.outcome = 'healthy';
      break;
    case 'component-mark':
      base.data = {
        mark: redactText(event.name),
        ...(redactValue(event.data, 0) as Record<string, unknown>),
      };
      break;
    case 'component-stop':
      base.outcome = event.outcome;
      base.durationMs = ms(event.durationMs);
      withError(event.error);
      break;
    case 'availability-change':
    case 'status-change':
      base.outcome = event.to;
      base.data = { from: event.from, to: event.to };
      break;
  }
  return base;
}

/** A JSON-safe, redacted copy of mark data: strings redacted, errors summarised, depth limited. */
function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  if (value instanceof Error) return safeMessage(value);
  if (typeof value !== 'object' || depth >= 4) return value === undefined ? null : redactText(String(value));
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function') continue;
    out[key] = /pass|secret|token|key|auth/i.test(key) ? '***' : redactValue(v, depth + 1);
  }
  return out;
}
