/**
 * Worker-thread entry of `phasegate simulate` (see {@link simulateInWorker}): runs the scenario with
 * the built-in strategies and posts back the rendered outputs, so that only strings cross the
 * thread boundary and the result is the one an in-process run prints, byte for byte.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isConfigError, simulate, type FleetRun, type Scenario } from '../index.js';
import { renderSimulation } from './render-simulation.js';
import type {
  SimulateWorkerInput,
  SimulateWorkerMessage,
  SimulateWorkerReply,
} from './simulate-in-worker.js';

async function main(
  input: SimulateWorkerInput,
  post: (message: SimulateWorkerMessage) => void,
): Promise<SimulateWorkerReply> {
  const scenario: Scenario = input.scenario;
  const onStrategyDone = input.progress
    ? (run: FleetRun) =>
        post({
          kind: 'progress',
          name: run.name,
          instances: run.instances,
          ready: run.readyAt.filter(Number.isFinite).length,
        })
    : undefined;
  try {
    const outcome = await simulate(scenario, onStrategyDone ? { onStrategyDone } : {});
    return { kind: 'done', rendered: renderSimulation(outcome, scenario, input.report) };
  } catch (error) {
    if (!isConfigError(error)) throw error;
    return { kind: 'config-error', path: error.path, problem: error.problem, hint: error.hint };
  }
}

const port = parentPort;
if (port !== null) {
  // This thread only simulates, and nobody reads the stack of an error a simulated instance made:
  // a storm makes hundreds of thousands of them, each a stack walk. (The calling thread's limit,
  // and so any error it shows, is untouched.)
  Error.stackTraceLimit = 0;
  const post = (message: SimulateWorkerMessage): void => port.postMessage(message);
  // A rejection (a bug: config errors come back as a message) is left unhandled on purpose: it ends
  // this thread, and the caller's worker.once('error') rejects with it.
  void main(workerData as SimulateWorkerInput, post).then(post);
}
