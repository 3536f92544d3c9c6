/**
 * Runs the real storm: the fleet starts at once with DATABASE_URL pointing at the connector proxy;
 * the proxy holds every first connection at its gate until all instances have one waiting (each has
 * booted and reached its database phase), then lets them all into the connector at one instant, t0.
 * From t0 on, the storm is what the simulator models; the boot before it (node, tsx, the first
 * phases), which the simulator does not model, is measured and reported apart.
 */

import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemClock, type CancelTimer, type Clock } from '../../src/common/clock.js';
import { raceAbort } from '../../src/common/race-abort.js';
import { percentile } from '../../src/simulator/result.js';
import { ConnectorProxy } from './connector-proxy.js';
import { pollReadyAndWarm, spawnFleet, stopFleet, type FleetInstance } from './fleet.js';
import { startSampler, type ConnectionSample } from './sampler.js';
import type { StormConfig } from './storm-config.js';

/** Ready times over the fleet, ms from t0 (`null` when an instance never got there). */
export interface Times {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** One instance's story, ms from t0 unless said otherwise. */
export interface InstanceResult {
  readonly name: string;
  /** Spawn to `service.listening` (node + tsx + modules loaded), ms. */
  readonly bootMs: number | null;
  /** Its database phase began (negative: before t0, waiting at the gate). */
  readonly databasePhaseMs: number | null;
  /** `pool-target` mark: the first connection is open and the server's limits read through it. */
  readonly firstConnectionMs: number | null;
  /** `pool-ready` mark: `minReady` connections open and verified (what the simulator calls ready). */
  readonly poolReadyMs: number | null;
  /** First `/readyz` 200 (poll sent at this time; polled every 50 ms). */
  readonly readyMs: number | null;
  /** `service.ready` log line. */
  readonly readyLogMs: number | null;
  /** Time it waited for a fleet admission slot before growing (`admission-wait` mark). */
  readonly admissionWaitMs: number | null;
  /** First `/health` poll with `pool.open === pool.target` (every 100 ms). */
  readonly warmMs: number | null;
  /** `pool-at-target` or `pool-growth-gave-up` mark. */
  readonly warmLogMs: number | null;
  readonly pool: { readonly open: number; readonly target: number } | null;
  /** Start attempts of its components that failed (timed out, refused...). */
  readonly failedAttempts: number;
  /** Its exit code after SIGTERM at the end (0: a clean stop). */
  readonly exitCode: number | null;
}

/** What the real storm measured. */
export interface MeasuredStorm {
  readonly instances: number;
  /** Spawn of the fleet to t0, ms. */
  readonly spawnToGateMs: number;
  /** Whether every instance had its first connection at the gate (false: opened on the deadline). */
  readonly gateComplete: boolean;
  readonly readyMs: Times;
  readonly readyLogMs: Times;
  readonly poolReadyMs: Times;
  readonly allWarmMs: number | null;
  readonly allWarmLogMs: number | null;
  /** Most client connections at once, the sampler's own left out. */
  readonly peakConnections: number;
  /** Connections the proxy accepted (attempts), set up, and that hung up before going through. */
  readonly attempts: number;
  readonly setups: number;
  readonly abandoned: number;
  /** Scale-outs of the proxy that completed by the time the fleet was warm, ms from t0. */
  readonly scaleUps: ReadonlyArray<{ readonly startedMs: number; readonly doneMs: number }>;
  readonly instanceResults: readonly InstanceResult[];
  readonly samples: readonly ConnectionSample[];
}

/** Options of {@link runRealStorm}. */
export interface RealStormOptions {
  /** Longest wait from spawn until every instance is at the gate. @default 60000 */
  readonly gateTimeoutMs?: number;
  /** Longest wait from t0 until every instance is ready and warm. @default 90000 */
  readonly stormTimeoutMs?: number;
  /** Sampling interval of pg_stat_activity. @default 50 */
  readonly sampleEveryMs?: number;
  /** Interrupts the storm: it stops everything it started and rejects with the reason. @default none */
  readonly signal?: AbortSignal;
}

/** How the wait at the gate ended. */
export type GateOutcome = 'held' | 'exited' | 'timeout';

/**
 * Wait until `allHeld` resolves (every instance is at the gate), one of `exits` resolves (an
 * instance died while booting), or `timeoutMs` passes on `clock`; reject with the reason of
 * `signal` as soon as it aborts. Whichever way it ends, the timeout's timer is cancelled: left
 * armed (60 s by default), it kept the benchmark's process alive after the results were written.
 */
export async function waitAtGate(
  allHeld: Promise<void>,
  exits: ReadonlyArray<Promise<unknown>>,
  timeoutMs: number,
  options: { readonly signal?: AbortSignal; readonly clock?: Clock } = {},
): Promise<GateOutcome> {
  const clock = options.clock ?? systemClock;
  let cancel: CancelTimer | undefined;
  const outcome = Promise.race([
    allHeld.then(() => 'held' as const),
    Promise.race(exits).then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => {
      cancel = clock.timer(timeoutMs, () => resolve('timeout'));
    }),
  ]);
  try {
    return await (options.signal ? raceAbort(outcome, options.signal, () => undefined) : outcome);
  } finally {
    cancel?.();
  }
}

function times(values: ReadonlyArray<number | null>): Times {
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: percentile(sorted, 1) };
}

function maxOrNull(values: ReadonlyArray<number | null>): number | null {
  return values.some((v) => v === null) ? null : Math.max(...(values as number[]));
}

function admissionWait(instance: FleetInstance): number | null {
  const data = instance.mark('admission-wait')?.data as { waitedMs?: unknown } | undefined;
  return typeof data?.waitedMs === 'number' ? data.waitedMs : null;
}

function describe(instance: FleetInstance, t0: number): InstanceResult {
  const rel = (at: number | undefined): number | null => (at === undefined ? null : Math.round(at - t0));
  const listening = instance.first('service.listening')?.time;
  const warmMark = instance.mark('pool-at-target') ?? instance.mark('pool-growth-gave-up');
  return {
    name: instance.name,
    bootMs: listening === undefined ? null : listening - instance.spawnedAt,
    databasePhaseMs: rel(instance.first('orchestrator.phase-start', (l) => l.phase === 'database')?.time),
    firstConnectionMs: rel(instance.mark('pool-target')?.time),
    poolReadyMs: rel(instance.mark('pool-ready')?.time),
    readyMs: rel(instance.readyAt),
    readyLogMs: rel(instance.first('service.ready')?.time),
    admissionWaitMs: admissionWait(instance),
    warmMs: rel(instance.warmAt),
    warmLogMs: rel(warmMark?.time),
    pool: instance.warmPool ?? null,
    failedAttempts: instance.logs.filter(
      (l) => l.event === 'orchestrator.component-attempt-end' && l.outcome !== 'ok',
    ).length,
    exitCode: instance.exit?.code ?? null,
  };
}

/**
 * Run the storm against `databaseUrl` (the fleet role's URL, direct) with the settings of `config`.
 * Samples connections through `adminUrl`. Everything it starts is stopped before it returns (or
 * rejects: when `options.signal` aborts, at once).
 */
export async function runRealStorm(
  config: StormConfig,
  urls: { readonly databaseUrl: string; readonly adminUrl: string },
  options: RealStormOptions = {},
): Promise<MeasuredStorm> {
  const gateTimeoutMs = options.gateTimeoutMs ?? 60_000;
  const stormTimeoutMs = options.stormTimeoutMs ?? 90_000;
  const { signal } = options;
  signal?.throwIfAborted();
  const target = new URL(urls.databaseUrl);
  const proxy = await ConnectorProxy.start({
    ...config.connector,
    target: { host: target.hostname, port: Number(target.port) },
    gated: true,
  });
  const dataDir = path.join(os.tmpdir(), `phasegate-storm-${process.pid}-${randomBytes(4).toString('hex')}`);
  let sampler: Awaited<ReturnType<typeof startSampler>> | undefined;
  let fleet: FleetInstance[] = [];
  try {
    await mkdir(dataDir, { recursive: true });
    sampler = await startSampler(urls.adminUrl, options.sampleEveryMs ?? 50);
    signal?.throwIfAborted();
    const allHeld = new Promise<void>((resolve) =>
      proxy.onHeld((held) => {
        if (held >= config.instances) resolve();
      }),
    );
    const spawnedAt = Date.now();
    fleet = await spawnFleet(config.instances, (i) => ({
      ...config.env,
      DATABASE_URL: proxy.via(urls.databaseUrl),
      DATA_DIR: path.join(dataDir, String(i + 1)),
    }));
    const outcome = await waitAtGate(
      allHeld,
      fleet.map((instance) => instance.exited),
      gateTimeoutMs,
      signal ? { signal } : {},
    );
    if (outcome === 'exited') {
      const dead = fleet.find((instance) => instance.exit !== undefined)!;
      throw new Error(`${dead.name} exited before the storm began:\n${dead.tail()}`);
    }
    const t0 = Date.now();
    const perfT0 = performance.now();
    proxy.openGate();

    await Promise.all(
      fleet.map((instance) => pollReadyAndWarm(instance, t0 + stormTimeoutMs, signal ? { signal } : {})),
    );
    await systemClock.sleep(500, signal); // sample a little past the last warm instance
    const samples = await sampler.stop();
    sampler = undefined;
    await stopFleet(fleet);
    const instanceResults = fleet.map((instance) => describe(instance, t0));
    const allWarmMs = maxOrNull(instanceResults.map((r) => r.warmMs));
    const stats = proxy.stats();
    const warmBy = allWarmMs ?? Infinity;
    return {
      instances: config.instances,
      spawnToGateMs: t0 - spawnedAt,
      gateComplete: outcome === 'held',
      readyMs: times(instanceResults.map((r) => r.readyMs)),
      readyLogMs: times(instanceResults.map((r) => r.readyLogMs)),
      poolReadyMs: times(instanceResults.map((r) => r.poolReadyMs)),
      allWarmMs,
      allWarmLogMs: maxOrNull(instanceResults.map((r) => r.warmLogMs)),
      peakConnections: samples.filter((s) => s.at >= t0).reduce((max, s) => Math.max(max, s.connections), 0),
      attempts: stats.accepted,
      setups: stats.setups,
      abandoned: stats.abandoned,
      scaleUps: stats.scaleUpTimes
        .map((t) => ({ startedMs: Math.round(t.startedAt - perfT0), doneMs: Math.round(t.doneAt - perfT0) }))
        .filter((t) => t.doneMs <= warmBy),
      instanceResults,
      samples: samples.map((s) => ({ at: s.at - t0, connections: s.connections })),
    };
  } finally {
    const exits = await stopFleet(fleet);
    for (const [i, exit] of exits.entries()) {
      if (exit.code !== 0) console.warn(`${fleet[i]!.name} exited with ${exit.code ?? exit.signal}`);
    }
    await sampler?.stop().catch(() => undefined);
    await proxy.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
