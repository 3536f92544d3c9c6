/**
 * Benchmark: `/readyz` requests per second under wrk, phasegate's health server against a bare
 * `node:http` server, lightship 7.3 (`/ready`) and @godaddy/terminus (its health-check route), all in
 * the same run. Each server runs in its own child process (health-servers.ts), so the benchmark
 * process and wrk (wrk.ts) do not take the server's CPU; on Linux the server is pinned to one CPU and
 * wrk to another when `taskset` exists and there are at least two CPUs.
 *
 * Run: `npm run bench -- health`, or alone: `npx tsx bench/health.bench.ts [--duration 5] [--rounds 7]
 * [--connections 32] [--warmup 2] [--only phasegate,phasegate-orchestrator] [--json]`. It prints a
 * table; `run()` returns a `BenchResult`.
 *
 * Then, in this process, what phasegate itself adds to a probe without HTTP (see health-probe-path.ts).
 *
 * Target (issue 3): phasegate >= 0.9x bare node:http on /readyz.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DESCRIPTIONS, KINDS, PATHS, startServer, type Kind, type StartedServer } from './health-servers.js';
import { isMain, type BenchCase, type BenchCheck, type BenchResult } from './run.js';
import { requireWrk, runWrk, type WrkResult } from './wrk.js';

/** Options of {@link run}. */
export interface HealthBenchOptions {
  /** Seconds per measurement. @default 5 */
  readonly durationSeconds?: number;
  /** Interleaved rounds; the median is reported. @default 7 */
  readonly rounds?: number;
  /** wrk connections. @default 32 */
  readonly connections?: number;
  /** Seconds of warm-up per server, once before the rounds. @default 2 */
  readonly warmupSeconds?: number;
  /** Measure only these servers (bare node:http is always measured: the ratios need it). @default all */
  readonly only?: readonly string[];
}

/** One server's result. */
export interface HealthBenchRow {
  readonly name: Kind;
  readonly path: string;
  readonly description: string;
  /** Median requests per second over the rounds. */
  readonly reqPerSec: number;
  /** The best round's requests per second (least disturbed by other load on the machine). */
  readonly bestReqPerSec: number;
  /** bestReqPerSec / bare's bestReqPerSec. */
  readonly bestRatioVsBare: number;
  /** Every round's requests per second. */
  readonly rounds: readonly number[];
  /** reqPerSec / bare's reqPerSec. */
  readonly ratioVsBare: number;
  /** Status 200 check: wrk's count of non-2xx/3xx responses summed over rounds (must be 0). */
  readonly non2xx: number;
  /** Mean latency of the median round, ms. */
  readonly latencyMsAvg: number;
  /**
   * Median server CPU time (user + system) per request, µs: less sensitive than req/s to other load
   * on the machine, and the cost the server itself adds.
   */
  readonly cpuUsPerRequest: number;
  /** Every round's server CPU per request, µs. */
  readonly cpuRounds: readonly number[];
  /** cpuUsPerRequest / bare's (lower is better; 1/this bounds the req/s ratio when CPU-bound). */
  readonly cpuRatioVsBare: number;
}

/** The JSON summary. */
export interface HealthBenchSummary {
  readonly name: 'health';
  readonly tool: string;
  readonly node: string;
  readonly cpus: number;
  readonly pinned: boolean;
  readonly durationSeconds: number;
  readonly rows: readonly HealthBenchRow[];
  readonly targets: ReadonlyArray<{
    readonly metric: string;
    readonly min: number;
    readonly actual: number;
    readonly met: boolean;
  }>;
}

const canPin = (): boolean =>
  process.platform === 'linux' && existsSync('/usr/bin/taskset') && availableParallelism() >= 2;

interface Measurement extends WrkResult {
  /** Server CPU time (user + system) per request, µs. */
  readonly cpuUsPerRequest: number;
}

async function measure(
  server: StartedServer,
  url: string,
  seconds: number,
  connections: number,
  pin: boolean,
): Promise<Measurement> {
  server.markCpu();
  const result = await runWrk(url, seconds, connections, pin);
  const cpuUs = await server.cpuSinceMark();
  return { ...result, cpuUsPerRequest: cpuUs / Math.max(1, result.requests) };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Run the measurements and return a JSON-able summary. */
export async function measureHealth(options: HealthBenchOptions = {}): Promise<HealthBenchSummary> {
  requireWrk();
  const duration = options.durationSeconds ?? 5;
  const rounds = options.rounds ?? 7;
  const connections = options.connections ?? 32;
  const warmup = options.warmupSeconds ?? 2;
  const pin = canPin();
  const kinds = KINDS.filter(
    (kind) => kind === 'bare' || options.only === undefined || options.only.includes(kind),
  );

  // Every server runs for the whole benchmark (idle ones cost nothing), so the rounds can interleave
  // the servers many times: drift in the machine's load then hits all of them alike.
  const servers = new Map<Kind, StartedServer>();
  const results = new Map<Kind, Measurement[]>(kinds.map((k) => [k, []]));
  try {
    for (const kind of kinds) servers.set(kind, await startServer(kind, pin));
    const urlOf = (kind: Kind): string => `http://127.0.0.1:${servers.get(kind)!.port}${PATHS[kind]}`;
    if (warmup > 0) for (const kind of kinds) await runWrk(urlOf(kind), warmup, connections, pin);
    for (let round = 0; round < rounds; round += 1) {
      // Rotate the order each round so no server always runs first (or right after a hot one).
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
      for (const kind of order) {
        results.get(kind)!.push(await measure(servers.get(kind)!, urlOf(kind), duration, connections, pin));
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }

  const bare = median(results.get('bare')!.map((r) => r.reqPerSec));
  const bareBest = Math.max(...results.get('bare')!.map((r) => r.reqPerSec));
  const bareCpu = median(results.get('bare')!.map((r) => r.cpuUsPerRequest));
  const rows: HealthBenchRow[] = kinds.map((kind) => {
    const list = results.get(kind)!;
    const rps = list.map((r) => r.reqPerSec);
    const med = median(rps);
    const medianRound = list.reduce((best, r) =>
      Math.abs(r.reqPerSec - med) < Math.abs(best.reqPerSec - med) ? r : best,
    );
    return {
      name: kind,
      path: PATHS[kind],
      description: DESCRIPTIONS[kind],
      reqPerSec: Math.round(med),
      bestReqPerSec: Math.round(Math.max(...rps)),
      bestRatioVsBare: Number((Math.max(...rps) / bareBest).toFixed(3)),
      rounds: rps.map(Math.round),
      ratioVsBare: Number((med / bare).toFixed(3)),
      non2xx: list.reduce((sum, r) => sum + r.non2xx, 0),
      latencyMsAvg: medianRound.latencyMsAvg,
      cpuUsPerRequest: Number(median(list.map((r) => r.cpuUsPerRequest)).toFixed(2)),
      cpuRounds: list.map((r) => Number(r.cpuUsPerRequest.toFixed(2))),
      cpuRatioVsBare: Number((median(list.map((r) => r.cpuUsPerRequest)) / bareCpu).toFixed(3)),
    };
  });
  return {
    name: 'health',
    tool: `wrk -t1 -c${connections} -d${duration}s, ${rounds} interleaved rounds (median), ${warmup}s warm-up`,
    node: process.version,
    cpus: availableParallelism(),
    pinned: pin,
    durationSeconds: duration,
    rows,
    targets: rows
      .filter((row) => row.name === 'phasegate' || row.name === 'phasegate-orchestrator')
      .map((row) => ({
        metric: `${row.name} /readyz req/s ÷ bare node:http req/s`,
        min: 0.9,
        actual: row.ratioVsBare,
        met: row.ratioVsBare >= 0.9,
      })),
  };
}

/**
 * The bench convention (bench/run.ts): measure, print the table, and return a {@link BenchResult}.
 * A case's `medianNs` is the server's CPU time per request (user + system of the server process),
 * `medianWallNs` the time per request at the measured throughput (1e9 / req/s); req/s and the
 * ratios to bare node:http are in `extra.rows`.
 */
export default async function run(options: HealthBenchOptions = {}): Promise<BenchResult> {
  const summary = await measureHealth(options);
  console.log(formatSummary(summary));
  const { measureProbePath } = await import('./health-probe-path.js');
  const probePath = await measureProbePath();
  console.log(
    [
      'in process (no HTTP), median CPU ns per call:',
      ...probePath.map((c) => `  ${c.name.padEnd(56)} ${Math.round(c.medianNs).toString().padStart(6)}`),
    ].join('\n'),
  );
  const cases: BenchCase[] = summary.rows.map((row) => ({
    name: `${row.name} ${row.path}`,
    medianNs: Math.round(row.cpuUsPerRequest * 1000),
    minNs: Math.round(Math.min(...row.cpuRounds) * 1000),
    maxNs: Math.round(Math.max(...row.cpuRounds) * 1000),
    medianWallNs: Math.round(1e9 / row.reqPerSec),
    opsPerRound: Math.round(row.reqPerSec * summary.durationSeconds),
    rounds: row.rounds.length,
  }));
  cases.push(...probePath);
  const checks: BenchCheck[] = summary.targets.map((t) => ({
    name: `${t.metric} >= ${t.min}`,
    pass: t.met,
    detail: `${t.actual.toFixed(2)}x`,
  }));
  const { rows, targets: _targets, ...environment } = summary;
  return { name: 'health', cases, checks, extra: { ...environment, rows } };
}

function formatSummary(summary: HealthBenchSummary): string {
  const columns = ['server', 'path', 'req/s', '× bare', 'best', '× bare', 'lat ms', 'cpu µs/req', '× bare'];
  const table = summary.rows.map((r) => [
    r.name,
    r.path,
    String(r.reqPerSec),
    r.ratioVsBare.toFixed(2),
    String(r.bestReqPerSec),
    r.bestRatioVsBare.toFixed(2),
    r.latencyMsAvg.toFixed(2),
    r.cpuUsPerRequest.toFixed(1),
    r.cpuRatioVsBare.toFixed(2),
    `rounds: ${r.rounds.join(', ')}${r.non2xx > 0 ? `  (${r.non2xx} non-2xx!)` : ''}`,
  ]);
  const widths = columns.map((c, i) => Math.max(c.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [
    `health endpoints: ${summary.tool}; node ${summary.node}; ${summary.cpus} CPUs; pinned: ${summary.pinned}`,
    line(columns),
    ...table.map((row) => line(row.slice(0, -1)) + `  ${row.at(-1)!}`),
    ...summary.targets.map(
      (t) => `target: ${t.metric} >= ${t.min}: ${t.actual.toFixed(2)} ${t.met ? 'MET' : 'NOT MET'}`,
    ),
  ].join('\n');
}

function flag(argv: readonly string[], name: string): number | undefined {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : Number(argv[i + 1]);
}

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2);
  const result = await run({
    durationSeconds: flag(argv, '--duration'),
    rounds: flag(argv, '--rounds'),
    connections: flag(argv, '--connections'),
    warmupSeconds: flag(argv, '--warmup'),
    only: argv.includes('--only') ? argv[argv.indexOf('--only') + 1]?.split(',') : undefined,
  });
  if (argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
}
