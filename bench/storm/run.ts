/**
 * `npm run bench:storm` (= `tsx bench/storm/run.ts`): a real storm against the simulator's
 * prediction for the same scenario (bench/storm/scenario.yaml).
 *
 * 1. Start an embedded Postgres with the scenario's `max_connections` and reserved slots, and a
 *    login role for the fleet.
 * 2. Measure connection setup on this machine (through a pass-through proxy) and one instance's
 *    uncontended start (which also runs the example's migration).
 * 3. Run the storm: N chat-backend processes through the connector proxy, gated so that every
 *    instance's storm starts at one instant t0 after boot; poll /readyz and /health, sample
 *    pg_stat_activity. Stop everything.
 * 4. Simulate the scenario (phasegate strategy) with the measured connection costs.
 * 5. Print predicted against measured and write bench/results/storm.json.
 *
 * Flags: `--runs N` runs the real storm N times (the measured figure is the median); `--scenario
 * FILE` runs another scenario (written to bench/results/storm-<file name>.json).
 *
 * A benchmark, not a test: the ±25 % target is reported as PASS / MISS and never fails the run.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs as parseNodeArgs } from 'node:util';
import { loadScenario } from '../../src/simulator/scenario.js';
import { isMain, type BenchResult } from '../run.js';
import { measureBaseline } from './baseline.js';
import { interruptOn } from './interrupt.js';
import { predictStorm } from './predicted.js';
import { ConnectorProxy } from './connector-proxy.js';
import { startStormDatabase } from './database.js';
import { runRealStorm } from './real-storm.js';
import { compareStorm, formatComparison, formatInstances, formatNotModelled, formatRun } from './report.js';
import { ConfigError } from '../../src/errors/config-error.js';
import type { MeasuredStorm } from './real-storm.js';
import { measureSetupCost } from './setup-cost.js';
import { stormConfig, withMeasuredCosts } from './storm-config.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.join(here, 'scenario.yaml');
const RESULTS = path.join(here, '..', 'results');
/** Seeds simulated for the prediction. */
const SEEDS = 25;

/** Open connections to `target` at once, with no connector delay. */
function passThrough(target: URL): Promise<ConnectorProxy> {
  return ConnectorProxy.start({
    target: { host: target.hostname, port: Number(target.port) },
    slots: 10_000,
    setupMs: 0,
    pressureMs: 1e9,
    scaleUpDelayMs: 0,
  });
}

/** Options of {@link run}. */
export interface StormBenchOptionsInput {
  /** The scenario file. @default bench/storm/scenario.yaml */
  readonly scenario?: string;
  /** Real storms to run (the measured figure is their median). @default 1 */
  readonly runs?: number;
  /**
   * Interrupts the benchmark: it stops everything it started (fleet, proxy, database, data
   * directories) and rejects with the reason. @default none
   */
  readonly signal?: AbortSignal;
}

function resultFile(scenarioFile: string): string {
  const name =
    path.resolve(scenarioFile) === SCENARIO
      ? 'storm'
      : `storm-${path.basename(scenarioFile).replace(/\.ya?ml$/, '')}`;
  return path.join(RESULTS, `${name}.json`);
}

/**
 * Run the whole benchmark; prints as it goes and writes bench/results/storm.json (for another
 * scenario, bench/results/storm-<file name>.json). Everything it starts is stopped before it returns,
 * also when `options.signal` aborts (Ctrl-C of `npm run bench:storm`).
 *
 * @throws ConfigError for a scenario the real storm cannot reproduce, or a bad `runs`.
 */
export default async function run(options: StormBenchOptionsInput = {}): Promise<BenchResult> {
  const scenarioFile = path.resolve(options.scenario ?? SCENARIO);
  const runs = options.runs ?? 1;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new ConfigError('runs', `must be an integer >= 1, got ${runs}`, 'pass --runs 3, for example');
  }
  const { signal } = options;
  const scenario = await loadScenario(scenarioFile);
  const config = stormConfig(scenario);
  const log = (text: string): void => console.log(text);
  log(
    `storm: ${scenario.name} (${path.relative(process.cwd(), scenarioFile)}), ${config.instances} instances, ` +
      `${runs} run(s)`,
  );
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, load average ` +
      `${machine.loadAverage.join(' ')}; node ${process.version}`,
  );

  const startedAt = Date.now();
  const db = await startStormDatabase(config.database);
  log(`database: embedded Postgres on port ${db.server.port} (${Date.now() - startedAt} ms to start)`);
  try {
    signal?.throwIfAborted();
    const direct = await passThrough(new URL(db.appUrl));
    let cost;
    let baseline;
    try {
      cost = await measureSetupCost(direct.via(db.appUrl));
      log(
        `setup cost: connect ${cost.connectMs.toFixed(1)} ms alone, ${cost.connectsPerSecond.toFixed(0)}/s ` +
          `with ${cost.parallel} at once -> acceptMs ${cost.acceptMs.toFixed(2)}, authMs ` +
          `${cost.authMs.toFixed(2)}; SELECT 1 ${cost.queryMs.toFixed(2)} ms`,
      );
      signal?.throwIfAborted();
      baseline = await measureBaseline(config, direct.via(db.appUrl), signal);
      log(
        `baseline (1 instance, no contention): boot ${baseline.bootMs} ms, first phases ` +
          `${baseline.beforeDatabaseMs} ms, pool ${baseline.poolMs} ms, later phases ${baseline.afterPoolMs} ms; ` +
          `spawn to ready ${baseline.spawnToReadyMs} ms`,
      );
    } finally {
      await direct.close();
    }

    const measured: MeasuredStorm[] = [];
    for (let i = 0; i < runs; i++) {
      log(`storm: spawning ${config.instances} instances...`);
      measured.push(
        await runRealStorm(
          config,
          { databaseUrl: db.appUrl, adminUrl: db.adminUrl },
          signal ? { signal } : {},
        ),
      );
      log(formatRun(measured[i]!, i));
    }
    const last = measured[measured.length - 1]!;

    const simulated = withMeasuredCosts(scenario, cost);
    const prediction = await predictStorm(simulated, SEEDS);
    signal?.throwIfAborted();
    const comparison = compareStorm(prediction, measured);
    log('');
    log(formatComparison(comparison, prediction.first.lowerBoundMs));
    log('');
    log(`${runs > 1 ? 'the last run' : 'the run'}, per instance:`);
    log(formatInstances(last));
    log(formatNotModelled(last, baseline));

    const output = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      machine,
      scenario: simulated,
      setupCost: cost,
      baseline,
      measured,
      predicted: prediction,
      comparison,
    };
    const file = resultFile(scenarioFile);
    await mkdir(RESULTS, { recursive: true });
    await writeFile(file, `${JSON.stringify(output, null, 2)}\n`);
    log(`\nWrote ${path.relative(process.cwd(), file)}`);
    return {
      name: 'storm',
      cases: [],
      checks: comparison.rows
        .filter((row) => row.target)
        .map((row) => ({
          name: `${row.name.trim()}: measured within ±25 % of predicted`,
          pass: row.ratio !== null && Math.abs(row.ratio - 1) <= 0.25,
          detail:
            `predicted ${row.predicted.median ?? '-'}, measured ${row.measured.median ?? '-'}, ` +
            `ratio ${row.ratio?.toFixed(2) ?? '-'}`,
        })),
      extra: { comparison, baseline, setupCost: cost, machine },
    };
  } finally {
    await db.stop();
  }
}

/**
 * `--scenario FILE` and `--runs N` (also as `--runs=N`), strictly: an unknown flag, a flag without
 * its value or a `--runs` that is not a whole number >= 1 is a ConfigError naming the flag, as the
 * CLI's flags are (a misspelled `--run 3` used to run once without a word).
 */
export function parseStormArgs(args: readonly string[]): StormBenchOptionsInput {
  let values: { runs?: string | undefined; scenario?: string | undefined };
  try {
    ({ values } = parseNodeArgs({
      args: [...args],
      options: { runs: { type: 'string' }, scenario: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError(
      'arguments',
      error instanceof Error ? error.message : String(error),
      'use --runs N and --scenario FILE',
    );
  }
  const { runs, scenario } = values;
  if (scenario !== undefined && (scenario === '' || scenario.startsWith('--'))) {
    throw new ConfigError(
      '--scenario',
      `needs a file, got ${JSON.stringify(scenario)}`,
      'e.g. --scenario bench/storm/scenario.yaml',
    );
  }
  if (runs !== undefined && !/^[1-9]\d*$/.test(runs)) {
    throw new ConfigError(
      '--runs',
      `must be a whole number >= 1, got ${JSON.stringify(runs)}`,
      'e.g. --runs 3',
    );
  }
  return {
    ...(scenario !== undefined ? { scenario } : {}),
    ...(runs !== undefined ? { runs: Number(runs) } : {}),
  };
}

if (isMain(import.meta.url)) {
  const interrupt = interruptOn(process, (signal) =>
    console.error(`storm: ${signal}, stopping the fleet and the database (again to quit at once)...`),
  );
  let args: StormBenchOptionsInput;
  try {
    args = parseStormArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`storm: ${error instanceof Error ? error.message : String(error)}`);
    interrupt.dispose();
    process.exit(78);
  }
  run({ ...args, signal: interrupt.signal })
    .then(
      (result) => {
        for (const check of result.checks) {
          console.log(`${check.pass ? 'PASS' : 'MISS'}  storm: ${check.name} (${check.detail})`);
        }
      },
      (error: unknown) => {
        if (interrupt.exitCode() === undefined) console.error(error);
        process.exitCode = interrupt.exitCode() ?? 1;
      },
    )
    .finally(() => interrupt.dispose());
}
