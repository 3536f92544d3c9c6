/**
 * Benchmark: the storm simulator's speed on the incident scenario at fleet scale, each strategy on
 * its own: 1,000 instances and 10 virtual minutes (the scenario's duration), the real orchestrator,
 * policies and Postgres component included. Also the bare engine's cost per event, for reference.
 *
 * Run: `npm run bench -- simulator`, or alone: `npx tsx bench/simulator.bench.ts [--instances 1000]
 * [--rounds 1] [--scenario examples/scenarios/incident.yaml]`. It prints a table; `run()` returns a
 * `BenchResult`. Times are CPU time (user + system, `process.cpuUsage()`), as in the other benches:
 * what the simulation costs, whatever else the machine runs; the wall time is shown next to it.
 *
 * Target (issue 4): 1,000 instances and 10 virtual minutes of the incident scenario simulate in
 * under 5 s on one core. Checked per strategy, and for the whole scenario (all its strategies).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimulationEngine } from '../src/simulator/engine.js';
import { loadScenario, withOverrides, type Scenario } from '../src/simulator/scenario.js';
import { simulate } from '../src/simulator/simulate.js';
import { isMain, type BenchCase, type BenchCheck, type BenchResult } from './run.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 5_000;

interface Args {
  readonly instances: number;
  readonly rounds: number;
  readonly scenario: string;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    instances: Number(value('--instances') ?? 1000),
    rounds: Number(value('--rounds') ?? 1),
    scenario: resolve(ROOT, value('--scenario') ?? 'examples/scenarios/incident.yaml'),
  };
}

interface Measured {
  readonly cpuMs: number;
  readonly wallMs: number;
}

async function measure(fn: () => Promise<unknown>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Cost of one event of the bare engine: a chain of sleeps, settled after each. */
async function bareEngine(): Promise<BenchCase> {
  const events = 200_000;
  const rounds: Measured[] = [];
  for (let r = 0; r < 5; r++) {
    const engine = new SimulationEngine();
    void (async () => {
      for (let i = 0; i < events; i++) await engine.sleep(1);
    })();
    rounds.push(await measure(() => engine.run()));
  }
  const ns = rounds.map((m) => (m.cpuMs * 1e6) / events);
  return {
    name: 'bare engine: one sleep per event',
    medianNs: median(ns),
    minNs: Math.min(...ns),
    maxNs: Math.max(...ns),
    medianWallNs: median(rounds.map((m) => (m.wallMs * 1e6) / events)),
    opsPerRound: events,
    rounds: rounds.length,
  };
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

/** Simulate each strategy of the scenario alone, `rounds` times; CPU and wall time per run. */
export default async function run(argv: readonly string[] = process.argv.slice(2)): Promise<BenchResult> {
  const args = parseArgs(argv);
  const scenario = withOverrides(await loadScenario(args.scenario), { instances: args.instances });
  const cases: BenchCase[] = [];
  const extra: Record<string, unknown> = {
    scenario: scenario.name,
    instances: scenario.fleet.instances,
    virtualMs: scenario.durationMs,
    node: process.version,
  };
  const lines: string[][] = [];
  let totalCpu = 0;
  for (const entry of scenario.strategies) {
    const single: Scenario = { ...scenario, strategies: [entry] };
    const times: Measured[] = [];
    let facts: Record<string, number> = {};
    for (let r = 0; r < args.rounds; r++) {
      let events = 0;
      const m = await measure(async () => {
        const { result } = await simulate(single, { onStrategyDone: (fleet) => (events = fleet.events) });
        const s = result.strategies[0]!;
        facts = { events, attempts: s.attempts, ready: s.ready, exit3: s.exit3, simulatedMs: s.simulatedMs };
      });
      times.push(m);
    }
    const cpu = times.map((t) => t.cpuMs * 1e6);
    const name = entry.label ?? entry.name;
    cases.push({
      name: `${name}: ${scenario.fleet.instances} instances, ${scenario.durationMs / 60_000} virtual min`,
      medianNs: median(cpu),
      minNs: Math.min(...cpu),
      maxNs: Math.max(...cpu),
      medianWallNs: median(times.map((t) => t.wallMs * 1e6)),
      opsPerRound: 1,
      rounds: times.length,
    });
    extra[name] = facts;
    totalCpu += median(cpu) / 1e6;
    const cpuMs = median(cpu) / 1e6;
    lines.push([
      name,
      `${(cpuMs / 1000).toFixed(2)} s`,
      `${(median(times.map((t) => t.wallMs)) / 1000).toFixed(2)} s`,
      String(facts.events),
      String(facts.attempts),
      `${((cpuMs * 1000) / Math.max(1, facts.events ?? 1)).toFixed(2)} µs`,
      `${facts.ready}/${scenario.fleet.instances}`,
    ]);
  }
  const bare = await bareEngine();
  cases.push(bare);

  const header = ['strategy', 'CPU', 'wall', 'events', 'attempts', 'CPU/event', 'ready'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  console.log(
    `\nsimulator: ${scenario.name}, ${scenario.fleet.instances} instances, ${scenario.durationMs / 60_000} virtual minutes`,
  );
  console.log(row(header, widths));
  for (const line of lines) console.log(row(line, widths));
  console.log(`bare engine: ${(bare.medianNs / 1000).toFixed(2)} µs CPU per event\n`);

  const checks: BenchCheck[] = cases
    .filter((c) => c !== bare)
    .map((c) => ({
      name: `${c.name} < ${TARGET_MS / 1000} s CPU`,
      pass: c.medianNs / 1e6 < TARGET_MS,
      detail: `${(c.medianNs / 1e9).toFixed(2)} s CPU, ${((c.medianWallNs ?? 0) / 1e9).toFixed(2)} s wall`,
    }));
  checks.push({
    name: `whole scenario (${scenario.strategies.length} strategies) < ${TARGET_MS / 1000} s CPU`,
    pass: totalCpu < TARGET_MS,
    detail: `${(totalCpu / 1000).toFixed(2)} s CPU`,
  });
  for (const check of checks) console.log(`${check.pass ? 'PASS' : 'MISS'} ${check.name}: ${check.detail}`);
  return { name: 'simulator', cases, checks, extra };
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
