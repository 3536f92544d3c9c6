/**
 * Simulator scenarios: a YAML file describing a fleet, its platform, the connector and the
 * database, read and validated into a fully resolved {@link Scenario} (the schema and its
 * defaults: scenario-schema.ts).
 */

import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, isConfigError, safeMessage } from '../index.js';
import { parseConfig } from './config-issues.js';
import { ScenarioSchema, type Scenario } from './scenario-schema.js';

export { MAX_POOL } from './pool-limit.js';
export {
  MAX_DURATION_MS,
  MAX_INSTANCES,
  MAX_SAMPLES,
  MAX_SEED,
  ConnectorSchema,
  DatabaseSchema,
  FleetSchema,
  PlatformSchema,
  RangeSchema,
  ScenarioSchema,
  ServiceSchema,
  StrategyEntrySchema,
  type Scenario,
  type ScenarioInput,
  type StrategyEntry,
} from './scenario-schema.js';

/**
 * Validate a parsed scenario object and fill in the defaults.
 *
 * @throws ConfigError naming the path of the first bad field, e.g. `database.maxConnections`.
 * @example
 * ```ts
 * const scenario = parseScenario({ name: 'small', fleet: { instances: 20 }, database: { maxConnections: 30 } });
 * scenario.connector.slots; // 50, the default
 * ```
 */
export function parseScenario(input: unknown): Scenario {
  return parseConfig(ScenarioSchema, input, '', 'see examples/scenarios/ for the format');
}

/**
 * Read and validate a scenario file (YAML or JSON).
 *
 * @example
 * ```ts
 * const scenario = await loadScenario('examples/scenarios/incident.yaml');
 * ```
 */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      file,
      `cannot read the scenario file: ${safeMessage(error)}`,
      'check the path',
      error,
    );
  }
  return parseScenarioText(text, file);
}

/** Parse and validate scenario YAML text. `source` names it in errors. */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `:${error.linePos[0].line}` : '';
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new ConfigError(`${source}${where}`, `not valid YAML: ${message}`, 'fix the YAML syntax', error);
  }
  try {
    return parseScenario(data);
  } catch (error) {
    // Name the file too: `incident.yaml: database.maxConnections`.
    if (!isConfigError(error)) throw error;
    throw new ConfigError(`${source}: ${error.path}`, error.problem, error.hint, error);
  }
}

/**
 * Apply command-line overrides (`--instances`, `--seed`), validated as the scenario's own fields.
 *
 * @example
 * ```ts
 * const bigger = withOverrides(await loadScenario('examples/scenarios/incident.yaml'), { instances: 1000 });
 * ```
 */
export function withOverrides(
  scenario: Scenario,
  overrides: { readonly instances?: number | undefined; readonly seed?: number | undefined },
): Scenario {
  return parseScenario({
    ...scenario,
    seed: overrides.seed ?? scenario.seed,
    fleet: { ...scenario.fleet, instances: overrides.instances ?? scenario.fleet.instances },
  });
}
