/**
 * Predicted against measured: the rows of the comparison and the text the benchmark prints.
 */

import os from 'node:os';
import type { Baseline } from './baseline.js';
import type { Predicted, StormPrediction } from './predicted.js';
import type { MeasuredStorm } from './real-storm.js';

/** One line of the comparison. */
export interface ComparisonRow {
  readonly name: string;
  /** The median over the simulated seeds. */
  readonly predicted: number | null;
  /** The seeds' range. */
  readonly predictedMin: number | null;
  readonly predictedMax: number | null;
  readonly measured: number | null;
  /** measured ÷ predicted; `null` when either is missing or predicted is 0. */
  readonly ratio: number | null;
  /** Whether the ±25 % target applies to it (the rest are shown for explanation). */
  readonly target: boolean;
}

/** The comparison. */
export interface StormComparison {
  readonly seeds: number;
  readonly rows: readonly ComparisonRow[];
}

function row(name: string, predicted: Predicted, measured: number | null, target: boolean): ComparisonRow {
  const p = predicted.median;
  const ratio = p === null || measured === null || p === 0 ? null : Math.round((measured / p) * 1000) / 1000;
  return {
    name,
    predicted: p,
    predictedMin: predicted.min,
    predictedMax: predicted.max,
    measured,
    ratio,
    target,
  };
}

/** Compare the simulator's prediction with the real storm. */
export function compareStorm(prediction: StormPrediction, measured: MeasuredStorm): StormComparison {
  const readyCount = measured.instanceResults.filter((r) => r.readyMs !== null).length;
  const p = prediction;
  return {
    seeds: p.seeds.length,
    rows: [
      row('time to ready, p50 (ms)', p.readyP50, measured.readyMs.p50, true),
      row('time to all ready (ms)', p.readyMax, measured.readyMs.max, true),
      row('time to all warm (ms)', p.allWarm, measured.allWarmMs, true),
      row('peak connections (fleet)', p.peakConnections, measured.peakConnections, true),
      row('  pool-ready, p50 (ms, log)', p.readyP50, measured.poolReadyMs.p50, false),
      row('  pool-ready, max (ms, log)', p.readyMax, measured.poolReadyMs.max, false),
      row('  all ready (ms, service.ready log)', p.readyMax, measured.readyLogMs.max, false),
      row('  all warm (ms, pool-at-target log)', p.allWarm, measured.allWarmLogMs, false),
      row('instances ready', p.ready, readyCount, false),
      row('connection attempts', p.attempts, measured.attempts, false),
      row('connector scale-ups by all warm', p.scaleUps, measured.scaleUps.length, false),
    ],
  };
}

const show = (value: number | null): string => (value === null ? '-' : String(value));

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

/**
 * What the simulator does not model, measured: a process's boot (node, tsx, modules), alone and
 * with the whole fleet booting at once on this machine's cores.
 */
export function formatBoot(measured: MeasuredStorm, baseline: Baseline): string {
  const boots = measured.instanceResults.flatMap((r) => (r.bootMs === null ? [] : [r.bootMs]));
  const p50 = median(boots);
  const slowdown = p50 === null ? '-' : (p50 / baseline.bootMs).toFixed(1);
  const spawnToAllReady =
    measured.readyMs.max === null ? null : measured.spawnToGateMs + measured.readyMs.max;
  return [
    `not modelled (boot, before t0): one instance alone boots in ${baseline.bootMs} ms (spawn to listening; ` +
      `${baseline.spawnToReadyMs} ms to ready); ${measured.instances} at once boot in ${show(p50)} ms p50, ` +
      `${show(boots.length ? Math.max(...boots) : null)} ms max (${slowdown}x, ${os.availableParallelism()} cores)`,
    `spawn to t0 ${measured.spawnToGateMs} ms, spawn to all ready ${show(spawnToAllReady)} ms; ` +
      `the simulator starts at t0, every instance at its database phase`,
  ].join('\n');
}

/** The comparison table, the storm's particulars and the per-instance table. */
export function formatStormReport(
  comparison: StormComparison,
  measured: MeasuredStorm,
  lowerBoundMs: number | null,
): string {
  const header = ['', 'predicted', `seeds' range`, 'measured', 'measured/predicted'];
  const rows = comparison.rows.map((r) => [
    r.name,
    show(r.predicted),
    r.predictedMin === r.predictedMax ? '' : `${show(r.predictedMin)}..${show(r.predictedMax)}`,
    show(r.measured),
    r.ratio === null
      ? '-'
      : `${r.ratio.toFixed(2)}${r.target ? (Math.abs(r.ratio - 1) <= 0.25 ? '  ok' : '  off') : ''}`,
  ]);
  const lines = [
    `t0 = every instance at the gate, ${measured.spawnToGateMs} ms after spawn` +
      (measured.gateComplete ? '' : ' (gate opened on its deadline: not every instance was there)'),
    `predicted: the simulator's phasegate strategy, median of ${comparison.seeds} seeds; ` +
      `lower bound ${show(lowerBoundMs)} ms`,
    `measured: connector scale-outs (start->done) at ` +
      (measured.scaleUps.map((t) => `${t.startedMs}->${t.doneMs}`).join(', ') || 'none') +
      ` ms; setups ${measured.setups}, hung up before setup ${measured.abandoned}`,
    '',
    table(header, rows),
    '',
    table(
      ['instance', 'boot', 'db phase', 'pool-ready', 'readyz', 'warm', 'pool', 'failed attempts', 'exit'],
      measured.instanceResults.map((r) => [
        r.name,
        show(r.bootMs),
        show(r.databasePhaseMs),
        show(r.poolReadyMs),
        show(r.readyMs),
        show(r.warmMs),
        r.pool ? `${r.pool.open}/${r.pool.target}` : '-',
        String(r.failedAttempts),
        show(r.exitCode),
      ]),
    ),
    '(ms from t0, except boot: spawn to listening; db phase < 0: waited at the gate; exit: after SIGTERM)',
  ];
  return lines.join('\n');
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
