/**
 * Worker-thread entry of `phasegate simulate` (see {@link simulateInWorker}): runs the scenario with
 * the built-in strategies and posts back the rendered outputs, so that only strings cross the
 * thread boundary and the result is the one an in-process run prints, byte for byte.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isConfigError, simulate, type Scenario } from '../index.js';
import { renderSimulation } from './render-simulation.js';
import type { SimulateWorkerInput, SimulateWorkerReply } from './simulate-in-worker.js';

async function main(input: SimulateWorkerInput): Promise<SimulateWorkerReply> {
  const scenario: Scenario = input.scenario;
  try {
    return { kind: 'done', rendered: renderSimulation(await simulate(scenario), scenario, input.report) };
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
  void main(workerData as SimulateWorkerInput).then((reply) => port.postMessage(reply));
}
