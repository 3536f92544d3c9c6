/**
 * An orchestrator on a FakeClock for the orchestrator's unit tests (not built into the package: see
 * tsconfig.build.json).
 */
import { seededRandom } from '../common/random.js';
import { constantBackoff } from '../policies/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import { createOrchestrator } from './orchestrator.js';
import type { OrchestratorOptionsInput } from './orchestrator-options.js';
import type { PhaseInput } from './plan.js';

/** The wall clock the fixture's orchestrator reads: a fixed instant. */
export const WALL = 1_700_000_000_000;

/**
 * An orchestrator of `phases` (built on the fixture's clock) with a fixed wall clock, a 60 s budget,
 * a 1 s constant recovery backoff and a random stream of `seed`; `options` override these.
 */
export function orchestratorFixture(
  phases: (clock: FakeClock) => PhaseInput[],
  options: OrchestratorOptionsInput = {},
  seed = 3,
) {
  const clock = new FakeClock();
  const orchestrator = createOrchestrator(
    { phases: phases(clock) },
    {
      clock,
      wallClock: () => WALL,
      random: seededRandom(seed),
      budgetMs: 60_000,
      recoveryBackoff: constantBackoff(1_000),
      ...options,
    },
  );
  return { clock, orchestrator };
}
