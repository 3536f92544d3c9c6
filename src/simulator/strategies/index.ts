/**
 * The built-in strategies, by the name scenario entries use.
 */

import type { StrategyDefinition } from '../strategy.js';
import { phasegateStrategy } from './phasegate.js';
import { incidentStrategy, naiveBackoffStrategy } from './whole-pool.js';

export { incidentStrategy, naiveBackoffStrategy } from './whole-pool.js';
export { phasegateStrategy, phasegateSettings, planFor, type PhasegateSettings } from './phasegate.js';

/**
 * `incident`, `naive-backoff` and `phasegate`. Getters, not values: the strategies import the public
 * API (`src/index.ts`), which re-exports this module, so a program that imports a strategy module
 * before the package entry meets this object before the strategies are initialised.
 */
export const builtinStrategies: Readonly<Record<string, StrategyDefinition>> = Object.freeze({
  get incident(): StrategyDefinition {
    return incidentStrategy;
  },
  get 'naive-backoff'(): StrategyDefinition {
    return naiveBackoffStrategy;
  },
  get phasegate(): StrategyDefinition {
    return phasegateStrategy;
  },
});
