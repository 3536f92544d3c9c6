/**
 * Running `phasegate simulate` in a worker thread with a larger young generation.
 *
 * A storm simulation allocates a few hundred bytes per connection attempt, and much of it lives as
 * long as the attempt (many virtual milliseconds, thousands of events later): with V8's default
 * 16 MB semi-spaces most of that survives two scavenges, is promoted, and a 1,000-instance run spent
 * 15 to 28 % of its time in the garbage collector (docs/design-notes.md). A
 * worker is the one way to give only the simulation a bigger young generation
 * (`resourceLimits.maxYoungGenerationSizeMb`; `v8.setFlagsFromString` does not resize a running
 * heap, and a `node --max-semi-space-size` shebang is not portable). The worker runs on one thread
 * while the calling thread waits, so the simulation still uses one core.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, type Scenario } from '../index.js';
import type { RenderedSimulation } from './render-simulation.js';

/** What the worker gets. @internal */
export interface SimulateWorkerInput {
  readonly scenario: Scenario;
  /** Whether to render the HTML report too. */
  readonly report: boolean;
  /** Whether to post a progress message after each strategy. */
  readonly progress: boolean;
}

/** One strategy finished in the worker. */
export interface StrategyProgress {
  readonly name: string;
  readonly instances: number;
  /** Instances that became ready. */
  readonly ready: number;
}

/** What the worker posts: progress, then one reply. @internal */
export type SimulateWorkerMessage = SimulateWorkerReply | ({ readonly kind: 'progress' } & StrategyProgress);

/** What the worker posts back at the end. @internal */
export type SimulateWorkerReply =
  | { readonly kind: 'done'; readonly rendered: RenderedSimulation }
  | {
      readonly kind: 'config-error';
      readonly path: string;
      readonly problem: string;
      readonly hint: string | undefined;
    };

/**
 * Young generation given to the simulation's worker, in MB (V8 splits it into semi-spaces of a
 * third each). Measured on the incident scenario at 1,000 instances when the worker was introduced
 * (2026-11-27; BENCHMARKS.md does not repeat it): 48 and 96 MB change little, 192 MB cuts the run by
 * about a quarter, 384 MB no further.
 */
export const SIMULATION_YOUNG_GENERATION_MB = 192;

/** tsx's ESM API, as its `exports` map names it (`require.resolve` would give the CommonJS one). */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return new URL(exports['./esm/api'].import.default, pathToFileURL(manifest)).href;
}

/** How to start the worker: its built `.js` entry, or from source through tsx (tests, `tsx` runs). */
function workerSource(): { readonly source: string | URL; readonly eval: boolean } {
  const own = import.meta.url;
  if (!own.endsWith('.ts')) return { source: new URL('./simulate-worker.js', own), eval: false };
  const tsx = tsxEsmApi(own);
  const entry = new URL('./simulate-worker.ts', own).href;
  const code =
    `import(${JSON.stringify(tsx)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return { source: code, eval: true };
}

/**
 * Simulate `scenario` with the built-in strategies in a worker thread with a
 * {@link SIMULATION_YOUNG_GENERATION_MB} young generation, and return the rendered outputs.
 *
 * `onProgress` hears of each strategy as it finishes.
 *
 * @throws ConfigError for a scenario the simulator refuses (an unknown strategy, a bad option),
 *   as {@link simulate} would; any other failure of the worker as it was thrown there.
 *
 * @example
 * ```ts
 * const { table } = await simulateInWorker(await loadScenario('examples/scenarios/incident.yaml'), false);
 * process.stdout.write(table);
 * ```
 */
export function simulateInWorker(
  scenario: Scenario,
  report: boolean,
  onProgress?: (progress: StrategyProgress) => void,
): Promise<RenderedSimulation> {
  const { source, eval: isEval } = workerSource();
  const input: SimulateWorkerInput = { scenario, report, progress: onProgress !== undefined };
  const worker = new Worker(source, {
    eval: isEval,
    workerData: input,
    resourceLimits: { maxYoungGenerationSizeMb: SIMULATION_YOUNG_GENERATION_MB },
  });
  return new Promise<RenderedSimulation>((resolve, reject) => {
    let reply: SimulateWorkerReply | undefined;
    worker.on('message', (message: SimulateWorkerMessage) => {
      if (message.kind === 'progress') {
        onProgress?.(message);
      } else {
        reply = message;
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (reply === undefined) {
        reject(new Error(`the simulation worker exited with code ${code} without a result`));
      } else if (reply.kind === 'config-error') {
        reject(new ConfigError(reply.path, reply.problem, reply.hint));
      } else {
        resolve(reply.rendered);
      }
    });
  });
}
