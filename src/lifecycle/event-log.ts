/**
 * One structured log line per orchestrator event, at a level that says how much it matters. The
 * logger redacts; this only chooses fields and words.
 */

import type { OrchestratorEvent } from '../orchestrator/orchestrator-events.js';
import type { Logger } from './logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

const round = (ms: number): number => Math.round(ms);

/**
 * Marks of the built-in Postgres component that mean the pool ended up smaller than planned: the
 * server was full, growth gave up (say, admission unreachable), or the live limits could not be
 * read. Worth a warning; every other mark is progress.
 */
const TROUBLE_MARKS: ReadonlySet<string> = new Set([
  'pool-target-lowered',
  'pool-growth-gave-up',
  'pool-limits-unavailable',
]);

/** The level, fields and message of the log line for `event`. */
export function describeEvent(event: OrchestratorEvent): [Level, Record<string, unknown>, string] {
  const base = { event: `orchestrator.${event.type}` };
  switch (event.type) {
    case 'startup-start':
      return ['info', { ...base, budgetMs: event.budgetMs, phases: event.phases }, 'startup began'];
    case 'startup-end':
      return [
        event.outcome === 'ready' ? 'info' : event.outcome === 'degraded' ? 'warn' : 'error',
        {
          ...base,
          outcome: event.outcome,
          durationMs: round(event.durationMs),
          availability: event.availability,
        },
        `startup ${event.outcome} after ${round(event.durationMs)} ms`,
      ];
    case 'phase-start':
      return [
        'info',
        { ...base, phase: event.phase, budgetMs: round(event.budgetMs) },
        `phase ${event.phase} began`,
      ];
    case 'phase-end':
      return [
        event.state === 'failed' ? 'error' : 'info',
        { ...base, phase: event.phase, state: event.state, durationMs: round(event.durationMs) },
        `phase ${event.phase} ${event.state} in ${round(event.durationMs)} ms`,
      ];
    case 'component-attempt':
      return [
        'debug',
        {
          ...base,
          phase: event.phase,
          component: event.component,
          attempt: event.attempt,
          recovery: event.recovery,
        },
        `${event.component}: attempt ${event.attempt}`,
      ];
    case 'component-attempt-end':
      return [
        event.outcome === 'ok' ? 'debug' : 'warn',
        {
          ...base,
          phase: event.phase,
          component: event.component,
          attempt: event.attempt,
          recovery: event.recovery,
          outcome: event.outcome,
          durationMs: round(event.durationMs),
          errorClass: event.errorClass,
          err: event.error,
        },
        `${event.component}: attempt ${event.attempt} ${event.outcome === 'ok' ? 'succeeded' : `failed (${event.errorClass ?? 'error'})`}`,
      ];
    case 'component-ready':
      return [
        'info',
        {
          ...base,
          phase: event.phase,
          component: event.component,
          attempts: event.attempts,
          durationMs: round(event.durationMs),
        },
        `${event.component} ready after ${event.attempts} attempt(s), ${round(event.durationMs)} ms`,
      ];
    case 'component-failed':
      return [
        event.outcome === 'fatal' ? 'error' : 'warn',
        {
          ...base,
          phase: event.phase,
          component: event.component,
          outcome: event.outcome,
          critical: event.critical,
          attempts: event.attempts,
          errorClass: event.errorClass,
          err: event.error,
        },
        `${event.component} failed (${event.errorClass}, ${event.outcome}) after ${event.attempts} attempt(s)`,
      ];
    case 'component-degraded':
      return [
        'warn',
        {
          ...base,
          phase: event.phase,
          component: event.component,
          degradesTo: event.degradesTo,
          errorClass: event.errorClass,
          err: event.error,
        },
        `${event.component} is down (${event.errorClass}); running ${event.degradesTo} and recovering it`,
      ];
    case 'component-recovered':
      return [
        'info',
        { ...base, phase: event.phase, component: event.component, downMs: round(event.downMs) },
        `${event.component} recovered after ${round(event.downMs)} ms down`,
      ];
    case 'component-unhealthy':
      return [
        'warn',
        { ...base, phase: event.phase, component: event.component, err: event.error },
        `${event.component} is unhealthy`,
      ];
    case 'component-healthy':
      return [
        'info',
        { ...base, phase: event.phase, component: event.component },
        `${event.component} is healthy again`,
      ];
    case 'component-mark':
      return [
        TROUBLE_MARKS.has(event.name) ? 'warn' : 'info',
        { ...base, phase: event.phase, component: event.component, mark: event.name, data: event.data },
        `${event.component}: ${event.name}`,
      ];
    case 'component-stop':
      return [
        event.outcome === 'ok' ? 'info' : 'warn',
        {
          ...base,
          phase: event.phase,
          component: event.component,
          outcome: event.outcome,
          durationMs: round(event.durationMs),
          err: event.error,
        },
        `${event.component} stopped (${event.outcome})`,
      ];
    case 'availability-change':
      return [
        event.to === 'FULL' ? 'info' : 'warn',
        { ...base, from: event.from, to: event.to },
        `availability ${event.from} -> ${event.to}`,
      ];
    case 'status-change':
      return ['info', { ...base, from: event.from, to: event.to }, `status ${event.from} -> ${event.to}`];
  }
}

/**
 * Write the log line for `event`. With `onlyProblems` (the live view shows progress already), only
 * warnings and errors are written.
 */
export function logEvent(logger: Logger, event: OrchestratorEvent, onlyProblems = false): void {
  const [level, fields, message] = describeEvent(event);
  if (onlyProblems && level !== 'warn' && level !== 'error') return;
  logger[level](fields, message);
}
