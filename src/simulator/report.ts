/**
 * How a simulation is shown: byte-stable JSON, a table for the terminal, and a self-contained HTML
 * page with inline SVG charts (no scripts, no network).
 */

import type { SimulationOutcome, SimulationResult, StrategyResult } from './result.js';
import { instanceReadyFloorMs } from './lower-bound.js';
import type { Scenario } from './scenario.js';
import { escapeXml, lineChart, type ChartLine, type ChartReference } from './svg-chart.js';

/**
 * The result as JSON: keys in a fixed order, numbers rounded, no timestamps, so the same scenario
 * and seed always give the same bytes.
 */
export function toJson(result: SimulationResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** `12345` → `12.3 s`; `null` → `—`. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

const ratio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(2)}×`);

/**
 * `1 attempt`, `3 attempts`: singular for exactly one. (The simulator imports only the public API,
 * so not `src/common/count-noun.ts`.)
 */
const countNoun = (n: number, singular: string, plural = `${singular}s`): string =>
  `${n} ${n === 1 ? singular : plural}`;

/** `1 instance`, `10 instances`. */
const instancesText = (n: number): string => countNoun(n, 'instance');

/** One line summing up a strategy's outcome. */
export function headline(strategy: StrategyResult): string {
  const { ready, instances } = strategy;
  if (ready === instances && strategy.allReadyMs.max !== null) {
    const all = instances === 1 ? 'the one instance' : `all ${instances}`;
    return `${all} ready in ${formatMs(strategy.allReadyMs.max)}`;
  }
  const exits = strategy.exit3 > 0 ? `, ${countNoun(strategy.exit3, 'exit')} with code 3` : '';
  const kills = strategy.probeKills > 0 ? `, ${strategy.probeKills} killed by the startup probe` : '';
  return `${ready} of ${instances} ready${exits}${kills}`;
}

/** Exits other than code 3, e.g. `78×2, 1×5`; `0` when none. */
function otherExits(strategy: StrategyResult): string {
  const other = Object.entries(strategy.exits).filter(([code]) => code !== '3');
  return other.length === 0 ? '0' : other.map(([code, n]) => `${code}×${n}`).join(', ');
}

/** A column of the strategy summary: its heading in the terminal and in the report, and its cell. */
interface SummaryColumn {
  readonly short: string;
  readonly long: string;
  readonly cell: (strategy: StrategyResult) => string;
}

/** The strategy summary's columns, the same in the terminal table and the HTML report. */
const SUMMARY_COLUMNS: readonly SummaryColumn[] = [
  { short: 'strategy', long: 'strategy', cell: (s) => s.name },
  { short: 'ready', long: 'ready', cell: (s) => `${s.ready}/${s.instances}` },
  { short: 'exit 3', long: 'exit 3', cell: (s) => String(s.exit3) },
  { short: 'other exits', long: 'other exits', cell: otherExits },
  { short: 'probe kills', long: 'probe kills', cell: (s) => String(s.probeKills) },
  { short: 'restarts', long: 'restarts', cell: (s) => String(s.restarts) },
  { short: 'p50 ready', long: 'p50 ready', cell: (s) => formatMs(s.allReadyMs.p50) },
  { short: 'p99 ready', long: 'p99 ready', cell: (s) => formatMs(s.allReadyMs.p99) },
  { short: 'all ready', long: 'all ready', cell: (s) => formatMs(s.allReadyMs.max) },
  { short: 'all warm', long: 'all warm', cell: (s) => formatMs(s.allWarmMs) },
  { short: 'attempts', long: 'attempts', cell: (s) => String(s.attempts) },
  { short: 'wasted', long: 'wasted', cell: (s) => String(s.wasted) },
  { short: 'peak conns', long: 'peak connections', cell: (s) => String(s.peakConnections) },
  { short: '× bound', long: '× lower bound', cell: (s) => ratio(s.ratioToLowerBound) },
];

/** `1 connection setup and accept`, `2 connection setups and accepts`. */
const setupsText = (n: number): string =>
  countNoun(n, 'connection setup and accept', 'connection setups and accepts');

/**
 * When no process can become ready before its startup window closes, a sentence saying so (the
 * lower bound alone does not: it is a time for the whole fleet); else `undefined`.
 */
function windowNote(scenario: Scenario | undefined): string | undefined {
  if (scenario === undefined) return undefined;
  const floor = instanceReadyFloorMs(scenario);
  const window = scenario.platform.startupWindowMs;
  if (floor <= window) return undefined;
  return (
    `No instance can be ready within its startup window (${formatMs(window)}): one needs at least ` +
    `${formatMs(Math.round(floor))} from its start (egress, ${setupsText(scenario.service.minReady)}, ` +
    'authentication): none can become ready, whatever the strategy.'
  );
}

/**
 * A table for people, as printed by `phasegate simulate`. With the `scenario`, it also says when its
 * startup window is too short for any instance to become ready.
 */
export function formatTable(result: SimulationResult, scenario?: Scenario): string {
  const bound = result.lowerBoundMs;
  const note = windowNote(scenario);
  const lines = [
    `Scenario ${result.scenario.name} (seed ${result.scenario.seed}): ${instancesText(result.scenario.instances)}, ${formatMs(result.scenario.durationMs)} simulated at most`,
    bound === null
      ? `Lower bound: none — the database cannot hold ${countNoun(result.lowerBound.setupsNeeded, 'connection')} (capacity ${result.lowerBound.capacity}); no strategy can make every instance ready`
      : `Lower bound: ${formatMs(bound)} (${countNoun(result.lowerBound.setupsNeeded, 'setup')}, limited by the ${result.lowerBound.limitedBy})`,
    ...(note === undefined ? [] : [note]),
    '',
  ];
  const header = SUMMARY_COLUMNS.map((column) => column.short);
  const rows = result.strategies.map((s) => SUMMARY_COLUMNS.map((column) => column.cell(s)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  lines.push(render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(render));
  // A dash is JSON's null: say what it stands for, where the table shows one.
  if (rows.some((row) => row.includes('—'))) lines.push('', ...NOT_REACHED);
  return `${lines.join('\n')}\n`;
}

/** What a `—` (a `null` in the JSON) in the strategy summary means. */
const NOT_REACHED = [
  '— not reached: p50/p99 ready land on an instance that never became ready; all ready (all warm) needs',
  '  every instance ready (warm); × bound is all ready ÷ a lower bound above 0 ms, so it needs both.',
];

const PALETTE: Readonly<Record<string, string>> = {
  incident: '#c8324b',
  'naive-backoff': '#d98b0b',
  phasegate: '#0b7a75',
};
const EXTRA = ['#3b5ba9', '#7b3fa0', '#5b8c2a', '#8c5a2a'];
const DASHES = [undefined, '9 5', '3 4', '12 4 3 4'];

/** A stable colour per strategy name. */
function colors(names: readonly string[]): string[] {
  let extra = 0;
  return names.map((name) => PALETTE[name] ?? EXTRA[extra++ % EXTRA.length]!);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1140px;color:#1d2733;background:#f4f6f8}
h1{font-size:26px;margin:0 0 4px}
p.lead{color:#4a5866;margin:0 0 18px;max-width:900px;line-height:1.45}
.cards{display:flex;gap:14px;margin:0 0 18px;flex-wrap:wrap}
.card{flex:1;min-width:220px;background:#fff;border-radius:10px;padding:14px 16px;border-top:6px solid var(--c);box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card .name{font-weight:700;color:var(--c);font-size:15px;text-transform:uppercase;letter-spacing:.04em}
.card .big{font-size:22px;font-weight:700;margin:6px 0 4px}
.card .small{color:#4a5866;font-size:13px;line-height:1.5}
.chart{background:#fff;border-radius:10px;margin:0 0 14px;box-shadow:0 1px 3px rgba(0,0,0,.08);overflow:hidden}
.chart svg{display:block;width:100%;height:auto}
.chart-title{font-size:16px;font-weight:700;fill:#1d2733}
.tick{font-size:12px;fill:#5b6875}.label{font-size:12px;fill:#5b6875}.legend{font-size:13px;fill:#1d2733}
.grid{stroke:#e6eaee;stroke-width:1}.axis{stroke:#8a96a3;stroke-width:1}
.ref{stroke:#55606b;stroke-width:1.2;stroke-dasharray:5 4}.ref-label{font-size:12px;fill:#55606b}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:10px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.08);font-size:13px}
th,td{padding:7px 10px;text-align:right;border-bottom:1px solid #e6eaee}th:first-child,td:first-child{text-align:left}
th{background:#eef1f4;font-weight:600}
.notes{color:#4a5866;font-size:13px;line-height:1.5;margin-top:14px}
`;

/**
 * A self-contained HTML report: a card per strategy, then charts of instances ready, connections
 * open, attempts in flight and connector slots over time (one line per strategy), then the table.
 * No scripts and no external resources, so it opens anywhere, offline.
 */
export function renderHtml(outcome: SimulationOutcome, scenario: Scenario): string {
  const { result, series } = outcome;
  const names = series.map((s) => s.name);
  const palette = colors(names);
  const xMaxMs = Math.max(1, ...result.strategies.map((s) => s.simulatedMs));
  const lines = (
    pick: (data: SimulationOutcome['series'][number]['data']) => readonly number[],
  ): ChartLine[] =>
    series.map((s, i) => ({
      name: s.name,
      color: palette[i]!,
      dash: DASHES[i % DASHES.length],
      t: s.data.t,
      values: pick(s.data),
    }));
  // Instances ready, drawn from the exact ready times rather than the samples.
  const readyLines = (): ChartLine[] =>
    series.map((s, i) => ({
      name: s.name,
      color: palette[i]!,
      dash: DASHES[i % DASHES.length],
      t: [0, ...s.readyTimes],
      values: [0, ...s.readyTimes.map((_, k) => k + 1)],
    }));
  const bound: ChartReference[] =
    result.lowerBoundMs === null
      ? []
      : [{ x: result.lowerBoundMs, label: `lower bound ${formatMs(result.lowerBoundMs)}` }];
  const usable = scenario.database.maxConnections - scenario.database.reserved;
  const fleetLine: ChartReference = {
    y: result.scenario.instances,
    label: `fleet: ${result.scenario.instances}`,
  };
  const charts = [
    lineChart({
      title: 'Instances ready',
      yLabel: 'instances',
      xMaxMs,
      lines: readyLines(),
      references: [fleetLine, ...bound],
    }),
    lineChart({
      title: 'Connections open at the database',
      yLabel: 'connections',
      xMaxMs,
      lines: lines((d) => d.connections),
      references: [
        { y: scenario.database.maxConnections, label: `max_connections ${scenario.database.maxConnections}` },
        { y: usable, label: `usable ${usable}` },
      ],
    }),
    lineChart({
      title: 'Connection attempts in flight',
      yLabel: 'attempts',
      xMaxMs,
      lines: lines((d) => d.attemptsInFlight),
    }),
    lineChart({
      title: 'Connector setup slots',
      yLabel: 'slots',
      xMaxMs,
      lines: lines((d) => d.connectorSlots),
    }),
  ];
  // When the action is over in a small part of the run, zoom in on it.
  const lastReady = Math.max(0, result.lowerBoundMs ?? 0, ...series.map((s) => s.readyTimes.at(-1) ?? 0));
  const zoomMs = niceCeiling(lastReady * 1.25);
  if (lastReady > 0 && zoomMs * 4 <= xMaxMs) {
    charts.splice(
      1,
      0,
      lineChart({
        title: `Instances ready: the first ${formatMs(zoomMs)}`,
        yLabel: 'instances',
        xMaxMs: zoomMs,
        lines: readyLines(),
        references: [fleetLine, ...bound],
      }),
    );
  }
  const cards = result.strategies.map((s, i) => {
    const details = [
      `p50 ready ${formatMs(s.allReadyMs.p50)} · all warm ${formatMs(s.allWarmMs)}`,
      `${countNoun(s.attempts, 'attempt')}, ${s.wasted} wasted · peak ${countNoun(s.peakConnections, 'connection')}`,
      `${countNoun(s.exit3, 'exit')} (code 3) · ${countNoun(s.restarts, 'restart')} · ${s.ratioToLowerBound === null ? 'no ratio to' : ratio(s.ratioToLowerBound)} the lower bound`,
    ];
    return `<div class="card" style="--c:${palette[i]}"><div class="name">${escapeXml(s.name)}</div><div class="big">${escapeXml(headline(s))}</div><div class="small">${details.map(escapeXml).join('<br>')}</div></div>`;
  });
  const table = formatHtmlTable(result);
  const boundText =
    result.lowerBoundMs === null
      ? `No lower bound: the database cannot hold ${countNoun(result.lowerBound.setupsNeeded, 'connection')} at once (capacity ${result.lowerBound.capacity}), so no strategy can make every instance ready.`
      : `Lower bound ${formatMs(result.lowerBoundMs)}: ${countNoun(result.lowerBound.setupsNeeded, 'connection setup')} (instances × minReady) through the connector and the database at their fastest, with scale-outs at the earliest; limited by the ${result.lowerBound.limitedBy}.`;
  const note = windowNote(scenario);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>phasegate simulation: ${escapeXml(result.scenario.name)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>Startup storm: ${escapeXml(result.scenario.name)}</h1>`,
    `<p class="lead">${escapeXml(scenario.description || '')} ${instancesText(result.scenario.instances)}, seed ${result.scenario.seed}. ${escapeXml(note === undefined ? boundText : `${boundText} ${note}`)}</p>`,
    `<div class="cards">${cards.join('')}</div>`,
    ...charts.map((svg) => `<div class="chart">${svg}</div>`),
    table,
    `<p class="notes">Times are virtual, from the start of the rollout. “Ready” means the instance passed its readiness check; “warm” means its pools reached their target. ${escapeXml(NOT_REACHED.join(' ').replace(/ {2,}/g, ' '))} Wasted attempts are connection attempts that yielded no connection (refused with 53300/57P03, timed out, or cut off by an exit). Each strategy ran on its own copy of the same infrastructure with the same seed.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** 1, 2 or 5 × 10^k at or above `value`. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function formatHtmlTable(result: SimulationResult): string {
  const head = SUMMARY_COLUMNS.map((column) => `<th>${escapeXml(column.long)}</th>`).join('');
  const rows = result.strategies.map(
    (s) => `<tr>${SUMMARY_COLUMNS.map((column) => `<td>${escapeXml(column.cell(s))}</td>`).join('')}</tr>`,
  );
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
