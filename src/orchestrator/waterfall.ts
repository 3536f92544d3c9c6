import { plainText } from '../common/plain-text.js';
import { requirePositive } from '../policies/validate.js';
import { Timeline, type TimelineEntry, type TimelineJSON } from './timeline.js';

/** Options of {@link formatWaterfall}. */
export interface WaterfallOptionsInput {
  /** Width of the bar column in characters, a finite number > 0 (below 8 it is raised to 8). @default 32 */
  readonly width?: number;
}

interface Row {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly detail: string;
}

/**
 * A text waterfall of a startup: one row per phase and per component with its start offset,
 * duration, share of the whole startup and a bar placed on the time axis; for components, the
 * attempts and their outcomes (`x3 (2 transient, ok)`), waits recorded with `mark()` (any mark
 * with a numeric `waitedMs`, e.g. `admission-wait`), and background recovery. The last line is the
 * verdict: `READY in 31060 ms`, `DEGRADED in ...`, `ABORTED after ...`, `FAILED after ...: code,
 * class, phase/component after N attempts`, or `STARTING (last event at ... ms)` while running.
 * Control characters in names and messages are shown as plain text (see `plainText`).
 *
 * @throws ConfigError at `waterfall.width` when the width is not a finite number > 0.
 * @example
 * ```ts
 * console.log(formatWaterfall(orchestrator.timeline));
 * // phasegate startup (budget 60000 ms)
 * // phase / component           start       dur  share  bar
 * // database                       60 ms  31000 ms  99.8%  |·██████████████████████████████|
 * //   postgres                     60 ms  31000 ms  99.8%  |·██████████████████████████████| x3 (2 transient, ok)
 * // READY in 31060 ms (availability FULL)
 * ```
 */
export function formatWaterfall(
  timeline: Timeline | TimelineJSON,
  options: WaterfallOptionsInput = {},
): string {
  const json = timeline instanceof Timeline ? timeline.toJSON() : timeline;
  const width = Math.max(8, Math.floor(requirePositive('waterfall.width', options.width ?? 32)));
  const events = json.events;
  const lastT = events.reduce((max, e) => Math.max(max, e.t), 0);
  const total = Math.max(1, json.durationMs ?? lastT);
  const rows: Row[] = [];
  for (const phase of json.phases) {
    const ofPhase = events.filter((e) => e.phase === phase);
    const started = ofPhase.find((e) => e.type === 'phase-start');
    if (!started) continue;
    const ended = ofPhase.find((e) => e.type === 'phase-end');
    const budget = started.data?.budgetMs;
    rows.push({
      label: phase,
      start: started.t,
      end: ended ? ended.t : total,
      detail: [ended?.outcome ?? 'running', typeof budget === 'number' ? `budget ${budget} ms` : '']
        .filter(Boolean)
        .join(', '),
    });
    const names = [...new Set(ofPhase.filter((e) => e.component !== null).map((e) => e.component!))];
    for (const name of names) rows.push(componentRow(name, ofPhase, total));
  }
  const header = `phasegate startup (budget ${json.budgetMs === null ? 'unbounded' : `${json.budgetMs} ms`})`;
  const columns = `${'phase / component'.padEnd(24)}${'start'.padStart(10)}${'dur'.padStart(10)}${'share'.padStart(7)}  bar`;
  const lines = rows.map((row) => {
    const duration = Math.max(0, row.end - row.start);
    const share = `${((duration / total) * 100).toFixed(1)}%`;
    const text =
      `${row.label.padEnd(24)}${`${row.start} ms`.padStart(10)}${`${duration} ms`.padStart(10)}` +
      `${share.padStart(7)}  |${bar(row.start, duration, total, width)}|`;
    return row.detail ? `${text} ${row.detail}` : text;
  });
  // Names and messages may hold control characters (a remote server's error text): one line each.
  return [header, columns, ...lines, verdict(json)].map(plainText).join('\n');
}

function componentRow(name: string, events: readonly TimelineEntry[], total: number): Row {
  const own = events.filter((e) => e.component === name);
  const startup = own.filter((e) => e.data?.recovery !== true);
  const first = startup.find((e) => e.type === 'component-attempt') ?? own[0]!;
  const end = own.find((e) => ['component-ready', 'component-failed', 'component-degraded'].includes(e.type));
  const attempts = startup.filter((e) => e.type === 'component-attempt-end');
  const classes = new Map<string, number>();
  for (const attempt of attempts) {
    if (attempt.outcome !== 'error') continue;
    const key = attempt.errorClass ?? 'error';
    classes.set(key, (classes.get(key) ?? 0) + 1);
  }
  const final = !end
    ? 'running'
    : end.type === 'component-ready'
      ? 'ok'
      : end.type === 'component-degraded'
        ? 'degraded'
        : end.outcome === 'fatal'
          ? 'failed'
          : (end.outcome ?? 'failed');
  const kept = startup.filter((e) => e.type === 'component-attempt').length;
  // Its outcome event counts every attempt, those the timeline did not keep (see maxEvents) too.
  const count = Math.max(kept, end?.attempt ?? 0);
  const notKept = count > kept ? [`${count - kept} not kept`] : [];
  const parts = [...[...classes].map(([cls, n]) => `${n} ${cls}`), ...notKept, final];
  const details = [`x${count} (${parts.join(', ')})`];
  if (end?.type === 'component-failed' || end?.type === 'component-degraded') {
    details.push(`${end.errorCode ?? 'error'}: ${end.message ?? ''}`.trim());
  }
  const waits = new Map<string, number>();
  for (const mark of own.filter((e) => e.type === 'component-mark')) {
    const waited = mark.data?.waitedMs;
    if (typeof waited !== 'number') continue;
    const label = String(mark.data?.mark ?? 'wait');
    waits.set(label, (waits.get(label) ?? 0) + waited);
  }
  for (const [label, waited] of waits) details.push(`${label} ${Math.round(waited)} ms`);
  const recovered = own.find((e) => e.type === 'component-recovered');
  const recoveries = own.filter((e) => e.type === 'component-attempt' && e.data?.recovery === true).length;
  if (recovered) details.push(`recovered at ${recovered.t} ms after ${recoveries} recovery attempts`);
  else if (recoveries > 0) details.push(`recovering (${recoveries} attempts so far)`);
  return { label: `  ${name}`, start: first.t, end: end ? end.t : total, detail: details.join('; ') };
}

function bar(start: number, duration: number, total: number, width: number): string {
  const from = Math.min(width - 1, Math.floor((start / total) * width));
  const length = Math.max(1, Math.min(width - from, Math.round((duration / total) * width)));
  return '·'.repeat(from) + '█'.repeat(length) + '·'.repeat(width - from - length);
}

function verdict(json: TimelineJSON): string {
  const end = json.events.find((e) => e.type === 'startup-end');
  if (!end || json.outcome === null) {
    const lastT = json.events.reduce((max, e) => Math.max(max, e.t), 0);
    return `STARTING (last event at ${lastT} ms)`;
  }
  const availability = json.availability ?? 'UNAVAILABLE';
  switch (json.outcome) {
    case 'ready':
      return `READY in ${json.durationMs} ms (availability ${availability})`;
    case 'degraded': {
      // Down when startup ended: degraded, and not recovered before its end (recovery may bring a
      // component back while later phases still start).
      const down = new Set<string>();
      for (const e of json.events.slice(0, json.events.indexOf(end))) {
        if (e.type === 'component-degraded') down.add(e.component!);
        else if (e.type === 'component-recovered') down.delete(e.component!);
      }
      return `DEGRADED in ${json.durationMs} ms (availability ${availability}; down: ${[...down].join(', ')})`;
    }
    case 'aborted':
      return `ABORTED after ${json.durationMs} ms: ${end.message ?? 'cancelled'}`;
    case 'failed': {
      const where = [end.phase, end.component].filter(Boolean).join('/');
      const attempts = end.attempt === null ? '' : ` after ${end.attempt} attempts`;
      return `FAILED after ${json.durationMs} ms: ${end.errorCode}, ${end.errorClass}, ${where}${attempts}`;
    }
  }
}
