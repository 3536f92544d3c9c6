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
 * A benchmark, not a test: the ±25 % target is reported as PASS / MISS and never fails the run.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../src/simulator/scenario.js';
import { isMain, type BenchResult } from '../run.js';
import { measureBaseline } from './baseline.js';
import { predictStorm } from './predicted.js';
import { ConnectorProxy } from './connector-proxy.js';
import { startStormDatabase } from './database.js';
import { runRealStorm } from './real-storm.js';
import { compareStorm, formatBoot, formatStormReport } from './report.js';
import { measureSetupCost } from './setup-cost.js';
import { stormConfig, withMeasuredCosts } from './storm-config.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.join(here, 'scenario.yaml');
const RESULT = path.join(here, '..', 'results', 'storm.json');
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

/**
 * Run the whole benchmark on `scenarioFile`; prints as it goes and writes bench/results/storm.json.
 *
 * @param scenarioFile @default bench/storm/scenario.yaml (`--scenario FILE` on the command line)
 */
export default async function run(scenarioFile: string = SCENARIO): Promise<BenchResult> {
  const scenario = await loadScenario(scenarioFile);
  const config = stormConfig(scenario);
  const log = (text: string): void => console.log(text);
  log(
    `storm: ${scenario.name} (${path.relative(process.cwd(), scenarioFile)}), ${config.instances} instances`,
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
    const direct = await passThrough(new URL(db.appUrl));
    let cost;
    let baseline;
    try {
      cost = await measureSetupCost(direct.via(db.appUrl));
      log(
        `setup cost: connect ${cost.connectMs.toFixed(1)} ms alone, ${cost.connectsPerSecond.toFixed(0)}/s with ` +
          `${cost.parallel} at once -> acceptMs ${cost.acceptMs.toFixed(2)}, authMs ${cost.authMs.toFixed(2)}; ` +
          `SELECT 1 ${cost.queryMs.toFixed(2)} ms`,
      );
      baseline = await measureBaseline(config, direct.via(db.appUrl));
      log(
        `baseline (1 instance, no contention): boot ${baseline.bootMs} ms, first phases ${baseline.beforeDatabaseMs} ms, ` +
          `pool ${baseline.poolMs} ms, later phases ${baseline.afterPoolMs} ms; spawn to ready ${baseline.spawnToReadyMs} ms`,
      );
    } finally {
      await direct.close();
    }

    log(`storm: spawning ${config.instances} instances...`);
    const measured = await runRealStorm(config, { databaseUrl: db.appUrl, adminUrl: db.adminUrl });

    const simulated = withMeasuredCosts(scenario, cost);
    const prediction = await predictStorm(simulated, SEEDS);
    const comparison = compareStorm(prediction, measured);
    log('');
    log(formatStormReport(comparison, measured, prediction.first.lowerBoundMs));
    log(formatBoot(measured, baseline));

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
    await mkdir(path.dirname(RESULT), { recursive: true });
    await writeFile(RESULT, `${JSON.stringify(output, null, 2)}\n`);
    log(`\nWrote ${path.relative(process.cwd(), RESULT)}`);
    return {
      name: 'storm',
      cases: [],
      checks: comparison.rows
        .filter((row) => row.target)
        .map((row) => ({
          name: `${row.name}: measured within ±25 % of predicted`,
          pass: row.ratio !== null && Math.abs(row.ratio - 1) <= 0.25,
          detail: `predicted ${row.predicted ?? '-'}, measured ${row.measured ?? '-'}, ratio ${row.ratio?.toFixed(2) ?? '-'}`,
        })),
      extra: { comparison, baseline, setupCost: cost },
    };
  } finally {
    await db.stop();
  }
}

if (isMain(import.meta.url)) {
  const at = process.argv.indexOf('--scenario');
  run(at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]!) : SCENARIO).then(
    (result) => {
      for (const check of result.checks) {
        console.log(`${check.pass ? 'PASS' : 'MISS'}  storm: ${check.name} (${check.detail})`);
      }
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
