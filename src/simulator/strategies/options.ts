/**
 * Validating a strategy's options from its scenario entry.
 */

import type { z } from 'zod';
import type { StrategyEntry } from '../scenario.js';
import { parseConfig } from '../config-issues.js';

/**
 * Parse the options of a strategy entry (everything but `name` and `label`) with `schema`.
 *
 * @throws ConfigError whose path starts with `path`, e.g. `strategies[0].attemptTimeoutMs`.
 */
export function parseStrategyOptions<S extends z.ZodType>(
  schema: S,
  entry: StrategyEntry,
  path: string,
): z.output<S> {
  const { name: _name, label: _label, ...options } = entry;
  return parseConfig(schema, options, path, 'see the strategy options in examples/scenarios/');
}
