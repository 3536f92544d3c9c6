/**
 * One instance alone, with no contention anywhere (a pass-through proxy, nothing else starting): how
 * long the parts of a start take that the simulator does not model. It also runs the example's
 * migration once, so the storm's instances find their table in place.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pollReadyAndWarm, spawnFleet, stopFleet, type FleetInstance } from './fleet.js';
import type { StormConfig } from './storm-config.js';

/** The phases of one uncontended start, ms. */
export interface Baseline {
  /** Spawn to `service.listening`: node, tsx and the modules. */
  readonly bootMs: number;
  /** `service.listening` to the database phase: the init and dependencies phases. */
  readonly beforeDatabaseMs: number;
  /** Database phase to `pool-ready`: the part the simulator models. */
  readonly poolMs: number;
  /** `pool-ready` to `service.ready`: migrations, services, websocket, finalize (self-check), listen. */
  readonly afterPoolMs: number;
  /** Spawn to the first `/readyz` 200. */
  readonly spawnToReadyMs: number;
}

/**
 * Start one instance of the example on `databaseUrl` with the storm's settings (but FLEET_SIZE 1 and
 * local admission), wait until it is ready and warm, stop it, and report its timings. When `signal`
 * aborts, the instance is stopped and the promise rejects with its reason.
 */
export async function measureBaseline(
  config: StormConfig,
  databaseUrl: string,
  signal?: AbortSignal,
): Promise<Baseline> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'phasegate-storm-baseline-'));
  let instance: FleetInstance | undefined;
  try {
    [instance] = await spawnFleet(1, () => ({
      ...config.env,
      FLEET_SIZE: '1',
      FLEET_ADMISSION: 'local',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
    }));
    await pollReadyAndWarm(instance!, Date.now() + 60_000, signal ? { signal } : {});
    if (instance!.readyAt === undefined)
      throw new Error(`the baseline instance never became ready:\n${instance!.tail()}`);
    const at = (line: { time: number } | undefined, what: string): number => {
      if (line === undefined) throw new Error(`the baseline instance logged no ${what}`);
      return line.time;
    };
    const listening = at(instance!.first('service.listening'), 'service.listening');
    const database = at(
      instance!.first('orchestrator.phase-start', (l) => l.phase === 'database'),
      'database phase-start',
    );
    const poolReady = at(instance!.mark('pool-ready'), 'pool-ready mark');
    const ready = at(instance!.first('service.ready'), 'service.ready');
    return {
      bootMs: listening - instance!.spawnedAt,
      beforeDatabaseMs: database - listening,
      poolMs: poolReady - database,
      afterPoolMs: ready - poolReady,
      spawnToReadyMs: instance!.readyAt - instance!.spawnedAt,
    };
  } finally {
    // The data directory goes even when the instance could not be spawned.
    await stopFleet(instance ? [instance] : []);
    await rm(dataDir, { recursive: true, force: true });
  }
}
