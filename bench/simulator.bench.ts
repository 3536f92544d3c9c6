/**
 * Benchmark: the storm simulator's speed on the incident scenario at fleet scale, each strategy on
 * its own: 1,000 instances and 10 virtual minutes (the scenario's duration), the real orchestrator,
 * policies and Postgres component included. Also the bare engine's cost per event, for reference.
 *
 * Run: `npm run bench -- simulator`, or alone: `npx tsx bench/simulator.bench.ts [--instances 1000]
 * [--rounds 1] [--scenario examples/scenarios/incident.yaml]`. It prints a table; `run()` returns a
 * `BenchResult`. Times are CPU time (user + system, `process.cpuUsage()`), as in the other benches:
 * what the simulation costs, whatever else the machine runs; the wall time is shown next to it.
 * Each strategy is measured twice: `simulate()` in this thread (the library call, default heap),
 * and as a user runs it: `node dist/cli/main.js simulate` in a fresh process, on a copy of the
 * scenario with only that strategy (the CLI runs the simulation in a worker thread with a larger
 * young generation and no stack traces; the child's CPU time, every thread, is reported by a
 * preloaded module, so starting Node and loading phasegate are included).
 *
 * Target (issue 4): 1,000 instances and 10 virtual minutes of the incident scenario simulate in
 * under 5 s on one core. Checked as `phasegate simulate` runs it, per strategy and for the whole
 * scenario (all its strategies).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { SIMULATION_YOUNG_GENERATION_MB } from '../src/cli/simulate-in-worker.js';
import { SimulationEngine } from '../src/simulator/engine.js';
import { loadScenario, withOverrides, type Scenario } from '../src/simulator/scenario.js';
import { simulate } from '../src/simulator/simulate.js';
import { measureCli, scenarioWithOneStrategy, type ProcessTimes } from './cli-process.js';
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

type Measured = ProcessTimes;

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
  // `npm run bench` builds first; the CLI is measured as users run it, from the build.
  if (!existsSync(resolve(ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
  const cliArgs = (file: string) => ['simulate', file, '--instances', String(args.instances), '--json'];
  const scenario = withOverrides(await loadScenario(args.scenario), { instances: args.instances });
  const cases: BenchCase[] = [];
  const extra: Record<string, unknown> = {
    scenario: scenario.name,
    instances: scenario.fleet.instances,
    virtualMs: scenario.durationMs,
    node: process.version,
  };
  const lines: string[][] = [];
  const caseOf = (name: string, times: readonly Measured[]): BenchCase => {
    const cpu = times.map((t) => t.cpuMs * 1e6);
    return {
      name,
      medianNs: median(cpu),
      minNs: Math.min(...cpu),
      maxNs: Math.max(...cpu),
      medianWallNs: median(times.map((t) => t.wallMs * 1e6)),
      opsPerRound: 1,
      rounds: times.length,
    };
  };
  const size = `${scenario.fleet.instances} instances, ${scenario.durationMs / 60_000} virtual min`;
  const cliCases: BenchCase[] = [];
  for (const [index, entry] of scenario.strategies.entries()) {
    const single: Scenario = { ...scenario, strategies: [entry] };
    const singleFile = await scenarioWithOneStrategy(args.scenario, index);
    const inThread: Measured[] = [];
    const inWorker: Measured[] = [];
    let facts: Record<string, number> = {};
    for (let r = 0; r < args.rounds; r++) {
      let events = 0;
      inThread.push(
        await measure(async () => {
          const { result } = await simulate(single, { onStrategyDone: (fleet) => (events = fleet.events) });
          const s = result.strategies[0]!;
          facts = {
            events,
            attempts: s.attempts,
            ready: s.ready,
            exit3: s.exit3,
            simulatedMs: s.simulatedMs,
          };
        }),
      );
      inWorker.push(await measureCli(cliArgs(singleFile.file)));
    }
    await singleFile.remove();
    const name = entry.label ?? entry.name;
    const threadCase = caseOf(`${name}: ${size}, simulate() in this thread`, inThread);
    const workerCase = caseOf(`${name}: ${size}, as phasegate simulate runs it`, inWorker);
    cases.push(threadCase, workerCase);
    cliCases.push(workerCase);
    extra[name] = facts;
    const cpuMs = threadCase.medianNs / 1e6;
    lines.push([
      name,
      `${(cpuMs / 1000).toFixed(2)} s`,
      `${(workerCase.medianNs / 1e9).toFixed(2)} s`,
      String(facts.events),
      String(facts.attempts),
      `${((cpuMs * 1000) / Math.max(1, facts.events ?? 1)).toFixed(2)} µs`,
      `${facts.ready}/${scenario.fleet.instances}`,
    ]);
  }
  const whole: Measured[] = [];
  for (let r = 0; r < args.rounds; r++) whole.push(await measureCli(cliArgs(args.scenario)));
  const wholeCase = caseOf(
    `whole scenario (${scenario.strategies.length} strategies): ${size}, as phasegate simulate runs it`,
    whole,
  );
  cases.push(wholeCase);
  const bare = await bareEngine();
  cases.push(bare);

  const header = ['strategy', 'CPU in thread', 'CPU as CLI', 'events', 'attempts', 'CPU/event', 'ready'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  console.log(
    `\nsimulator: ${scenario.name}, ${scenario.fleet.instances} instances, ${scenario.durationMs / 60_000} virtual minutes`,
  );
  console.log(row(header, widths));
  for (const line of lines) console.log(row(line, widths));
  console.log(
    `whole scenario as phasegate simulate runs it: ${(wholeCase.medianNs / 1e9).toFixed(2)} s CPU, ` +
      `${((wholeCase.medianWallNs ?? 0) / 1e9).toFixed(2)} s wall`,
  );
  console.log(
    `(as CLI: node dist/cli/main.js simulate in a fresh process, which simulates in a worker thread ` +
      `with a ${SIMULATION_YOUNG_GENERATION_MB} MB young generation and no stack traces; its CPU ` +
      `includes starting Node and loading phasegate)`,
  );
  console.log(`bare engine: ${(bare.medianNs / 1000).toFixed(2)} µs CPU per event\n`);

  const checks: BenchCheck[] = [...cliCases, wholeCase].map((c) => ({
    name: `${c.name} < ${TARGET_MS / 1000} s CPU`,
    pass: c.medianNs / 1e6 < TARGET_MS,
    detail: `${(c.medianNs / 1e9).toFixed(2)} s CPU, ${((c.medianWallNs ?? 0) / 1e9).toFixed(2)} s wall`,
  }));
  for (const check of checks) console.log(`${check.pass ? 'PASS' : 'MISS'} ${check.name}: ${check.detail}`);
  return { name: 'simulator', cases, checks, extra };
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
