/**
 * Predicted against measured: the rows of the comparison and the text the benchmark prints. With
 * several real runs, the measured figure is the median over the runs.
 */

import os from 'node:os';
import type { Baseline } from './baseline.js';
import type { StormPrediction } from './predicted.js';
import type { MeasuredStorm } from './real-storm.js';
import { summarise, type Summary } from './summary.js';

/** One line of the comparison. */
export interface ComparisonRow {
  readonly name: string;
  /** The median over the simulated seeds, and their range. */
  readonly predicted: Summary;
  /** The median over the real runs, and their range. */
  readonly measured: Summary;
  /** measured ÷ predicted (medians); `null` when either is missing or predicted is 0. */
  readonly ratio: number | null;
  /** Whether the ±25 % target applies to it (the rest are shown for explanation). */
  readonly target: boolean;
}

/** The comparison. */
export interface StormComparison {
  readonly seeds: number;
  readonly runs: number;
  readonly rows: readonly ComparisonRow[];
}

function row(name: string, predicted: Summary, measured: Summary, target: boolean): ComparisonRow {
  const p = predicted.median;
  const m = measured.median;
  const ratio = p === null || m === null || p === 0 ? null : Math.round((m / p) * 1000) / 1000;
  return { name, predicted, measured, ratio, target };
}

/** Compare the simulator's prediction with the real storm's runs. */
export function compareStorm(prediction: StormPrediction, runs: readonly MeasuredStorm[]): StormComparison {
  const p = prediction;
  const m = (figure: (run: MeasuredStorm) => number | null): Summary => summarise(runs.map(figure));
  return {
    seeds: p.seeds.length,
    runs: runs.length,
    rows: [
      row(
        'time to ready, p50 (ms)',
        p.readyP50,
        m((r) => r.readyMs.p50),
        true,
      ),
      row(
        'time to all ready (ms)',
        p.readyMax,
        m((r) => r.readyMs.max),
        true,
      ),
      row(
        'time to all warm (ms)',
        p.allWarm,
        m((r) => r.allWarmMs),
        true,
      ),
      row(
        'peak connections (fleet)',
        p.peakConnections,
        m((r) => r.peakConnections),
        true,
      ),
      row(
        '  pool-ready, p50 (ms, log)',
        p.readyP50,
        m((r) => r.poolReadyMs.p50),
        false,
      ),
      row(
        '  pool-ready, max (ms, log)',
        p.readyMax,
        m((r) => r.poolReadyMs.max),
        false,
      ),
      row(
        '  all ready (ms, service.ready log)',
        p.readyMax,
        m((r) => r.readyLogMs.max),
        false,
      ),
      row(
        '  all warm (ms, pool-at-target log)',
        p.allWarm,
        m((r) => r.allWarmLogMs),
        false,
      ),
      row(
        'instances ready',
        p.ready,
        m((r) => r.instanceResults.filter((i) => i.readyMs !== null).length),
        false,
      ),
      row(
        'connection attempts',
        p.attempts,
        m((r) => r.attempts),
        false,
      ),
      row(
        'connector scale-ups by all warm',
        p.scaleUps,
        m((r) => r.scaleUps.length),
        false,
      ),
    ],
  };
}

const show = (value: number | null): string => (value === null ? '-' : String(value));
const range = (r: Summary): string => (r.min === r.max ? '' : `${show(r.min)}..${show(r.max)}`);

function median(values: readonly number[]): number | null {
  return summarise(values).median;
}

/**
 * What the simulator does not model, measured in `measured` (one run): the phases after the pool,
 * and a process's boot (node, tsx, modules), alone and with the whole fleet booting at once.
 */
export function formatNotModelled(measured: MeasuredStorm, baseline: Baseline): string {
  const boots = measured.instanceResults.flatMap((r) => (r.bootMs === null ? [] : [r.bootMs]));
  const p50 = median(boots);
  const slowdown = p50 === null ? '-' : (p50 / baseline.bootMs).toFixed(1);
  const spawnToAllReady =
    measured.readyMs.max === null ? null : measured.spawnToGateMs + measured.readyMs.max;
  const later = measured.instanceResults.flatMap((r) =>
    r.readyLogMs === null || r.poolReadyMs === null ? [] : [r.readyLogMs - r.poolReadyMs],
  );
  return [
    `not modelled (after pool-ready): the later phases (migrations, services, websocket, self-check) took ` +
      `${show(median(later))} ms p50, ${show(later.length ? Math.max(...later) : null)} ms max ` +
      `(alone: ${baseline.afterPoolMs} ms); the database phase alone took ${baseline.poolMs} ms ` +
      `(connect, limits, minReady, no connector delay)`,
    `not modelled (boot, before t0): one instance alone boots in ${baseline.bootMs} ms (spawn to listening; ` +
      `${baseline.spawnToReadyMs} ms to ready); ${measured.instances} at once boot in ${show(p50)} ms p50, ` +
      `${show(boots.length ? Math.max(...boots) : null)} ms max (${slowdown}x, ${os.availableParallelism()} cores)`,
    `spawn to t0 ${measured.spawnToGateMs} ms, spawn to all ready ${show(spawnToAllReady)} ms; ` +
      `the simulator starts at t0, every instance at its database phase`,
  ].join('\n');
}

/** One run in one line. */
export function formatRun(run: MeasuredStorm, index: number): string {
  return (
    `run ${index + 1}: ready p50 ${show(run.readyMs.p50)} ms, all ready ${show(run.readyMs.max)} ms, ` +
    `all warm ${show(run.allWarmMs)} ms, peak ${run.peakConnections} connections, ` +
    `${run.attempts} attempts, scale-outs at ` +
    (run.scaleUps.map((t) => `${t.startedMs}->${t.doneMs}`).join(', ') || 'none') +
    ` ms (t0 ${run.spawnToGateMs} ms after spawn${run.gateComplete ? '' : ', gate opened on its deadline'})`
  );
}

/** The comparison table. */
export function formatComparison(comparison: StormComparison, lowerBoundMs: number | null): string {
  const header = [
    '',
    'predicted',
    `seeds' range`,
    'measured',
    comparison.runs > 1 ? `runs' range` : '',
    'measured/predicted',
  ];
  const rows = comparison.rows.map((r) => [
    r.name,
    show(r.predicted.median),
    range(r.predicted),
    show(r.measured.median),
    range(r.measured),
    r.ratio === null
      ? '-'
      : `${r.ratio.toFixed(2)}${r.target ? (Math.abs(r.ratio - 1) <= 0.25 ? '  ok' : '  off') : ''}`,
  ]);
  return [
    `predicted: the simulator's phasegate strategy, median of ${comparison.seeds} seeds ` +
      `(lower bound ${show(lowerBoundMs)} ms); measured: ` +
      (comparison.runs > 1 ? `median of ${comparison.runs} runs` : 'one run') +
      '; times in ms from t0, when every instance was at its database phase',
    table(header, rows),
  ].join('\n');
}

/** The per-instance table of one run. */
export function formatInstances(measured: MeasuredStorm): string {
  return [
    table(
      [
        'instance',
        'boot',
        'db phase',
        '1st conn',
        'pool-ready',
        'readyz',
        'admission wait',
        'warm',
        'pool',
        'failed attempts',
        'exit',
      ],
      measured.instanceResults.map((r) => [
        r.name,
        show(r.bootMs),
        show(r.databasePhaseMs),
        show(r.firstConnectionMs),
        show(r.poolReadyMs),
        show(r.readyMs),
        show(r.admissionWaitMs),
        show(r.warmMs),
        r.pool ? `${r.pool.open}/${r.pool.target}` : '-',
        String(r.failedAttempts),
        show(r.exitCode),
      ]),
    ),
    '(ms from t0, except boot: spawn to listening; db phase < 0: waited at the gate; 1st conn: first ' +
      'connection open and limits read; exit: after SIGTERM)',
  ].join('\n');
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
