/**
 * The built-in strategies, by the name scenario entries use.
 */

import type { StrategyDefinition } from '../strategy.js';
import { phasegateStrategy } from './phasegate.js';
import { incidentStrategy, naiveBackoffStrategy } from './whole-pool.js';

export { incidentStrategy, naiveBackoffStrategy } from './whole-pool.js';
export { phasegateStrategy, phasegateSettings, planFor, type PhasegateSettings } from './phasegate.js';

/** `incident`, `naive-backoff` and `phasegate`. */
export const builtinStrategies: Readonly<Record<string, StrategyDefinition>> = {
  incident: incidentStrategy,
  'naive-backoff': naiveBackoffStrategy,
  phasegate: phasegateStrategy,
};
