/**
 * In-process part of the health benchmark: what phasegate itself adds to one probe, without HTTP or
 * the kernel (which dominate wrk's figures, and make them noisy on a shared machine). Measured with
 * `measureInterleaved` (median CPU ns per call):
 * - `Orchestrator.snapshot()` on a started seven-phase plan when nothing changed (the cache hit every
 *   probe takes), against building the snapshot afresh (what every probe cost before the cache);
 * - the health handler answering `/readyz` to a minimal request and response, on a static source and
 *   on that orchestrator.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock } from '../src/common/clock.js';
import { createHealthHandler } from '../src/health/handler.js';
import { buildSnapshot } from '../src/orchestrator/build-snapshot.js';
import { SEVEN_PHASES, createOrchestrator, sevenPhasePlan } from '../src/orchestrator/index.js';
import type { Orchestrator } from '../src/orchestrator/orchestrator.js';
import { fakeComponent } from '../src/testing/fake-component.js';
import { measureInterleaved, type BenchCase } from './run.js';

/** A started seven-phase orchestrator with one fake component per phase, as the wrk server uses. */
export async function startedSevenPhaseOrchestrator(): Promise<Orchestrator> {
  const components = Object.fromEntries(
    SEVEN_PHASES.map((phase) => [phase, [fakeComponent({ name: `${phase}-component`, clock: systemClock })]]),
  );
  const orchestrator = createOrchestrator(sevenPhasePlan(components), { budgetMs: 10_000 });
  await orchestrator.start();
  return orchestrator;
}

const request = { url: '/readyz', method: 'GET', headers: {}, socket: { remoteAddress: '127.0.0.1' } };
const response = {
  headersSent: false,
  destroyed: false,
  writeHead(): unknown {
    return this;
  },
  end(): void {},
};
const req = request as unknown as IncomingMessage;
const res = response as unknown as ServerResponse;

/** Measure the probe path in this process; prints nothing. */
export async function measureProbePath(rounds = 9): Promise<BenchCase[]> {
  const orchestrator = await startedSevenPhaseOrchestrator();
  const staticSnapshot = orchestrator.snapshot();
  const onOrchestrator = createHealthHandler(orchestrator, { metrics: false });
  const onStatic = createHealthHandler({ snapshot: () => staticSnapshot }, { metrics: false });
  const core = orchestrator['core'];
  try {
    return await measureInterleaved(
      {
        'Orchestrator.snapshot(), nothing changed (cached)': () => orchestrator.snapshot(),
        'snapshot built afresh (every probe, before the cache)': () => buildSnapshot(core),
        'handler /readyz, static source': () => onStatic(req, res),
        'handler /readyz, started Orchestrator': () => onOrchestrator(req, res),
      },
      { rounds },
    );
  } finally {
    await orchestrator.stop();
  }
}
