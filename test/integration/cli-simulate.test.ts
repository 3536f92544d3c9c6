/**
 * `phasegate simulate` as a user runs it: a separate process, whose simulation runs in a worker
 * thread (from the build, `dist/cli/simulate-worker.js`, when `npm test` made one; else from the
 * source through tsx). Its JSON must be the bytes `simulate()` gives in this thread.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, simulate, simulationToJson, withOverrides } from '../../src/index.js';
import { REPO, runPhasegate, type CliRun } from './cli-process.js';

const SCENARIO = join(REPO, 'examples/scenarios/incident.yaml');
const phasegate = (...args: string[]): Promise<CliRun> => runPhasegate(args, 60_000);

describe('phasegate simulate (a process, its worker thread)', () => {
  it('prints the JSON simulate() gives in this thread, byte for byte', async () => {
    const run = await phasegate('simulate', SCENARIO, '--json', '--instances', '12', '--seed', '4');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const scenario = withOverrides(await loadScenario(SCENARIO), { instances: 12, seed: 4 });
    expect(run.stdout).toBe(simulationToJson((await simulate(scenario)).result));
  }, 60_000);

  it("prints the incident's table the README shows (a quoted run must not go stale)", async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const shown = /```text\n(Scenario incident \(seed 1\)[\s\S]*?)```/.exec(readme)?.[1];
    expect(shown, 'README has a ```text block starting with Scenario incident (seed 1)').toBeDefined();
    const run = await phasegate('simulate', SCENARIO);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(shown);
  }, 60_000);

  it('exits 78 naming the flag for a bad --seed', async () => {
    const run = await phasegate('simulate', SCENARIO, '--seed', '-1');
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('--seed');
  });
});
