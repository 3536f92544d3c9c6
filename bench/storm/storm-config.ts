/**
 * One scenario, two worlds: the settings of the real storm (proxy, database, the example's
 * environment) derived from the same scenario file the simulator runs, so both sides share every
 * number. Settings the real side cannot reproduce are rejected, naming the field.
 */

import { ConfigError } from '../../src/errors/config-error.js';
import type { Scenario } from '../../src/simulator/scenario.js';
import { phasegateSettings, type PhasegateSettings } from '../../src/simulator/strategies/index.js';
import { admissionWidth } from '../../examples/chat-backend/admission.js';
import type { ConnectorProxyOptions } from './connector-proxy.js';

/** Everything the real storm is configured with. */
export interface StormConfig {
  readonly instances: number;
  /** What the simulator's phasegate strategy runs with (pool, admission, budget...). */
  readonly settings: PhasegateSettings;
  /** The connector, for {@link ConnectorProxy}. */
  readonly connector: Omit<ConnectorProxyOptions, 'target' | 'gated' | 'clock' | 'random'>;
  readonly database: { readonly maxConnections: number; readonly reserved: number };
  /** The chat-backend's environment, minus DATABASE_URL, PORT, APP_INSTANCE and DATA_DIR. */
  readonly env: Readonly<Record<string, string>>;
}

/** The example's own default: `postgresComponent`'s `maxConcurrentOpens`. */
const EXAMPLE_CONCURRENT_OPENS = 2;

function expectSetting(ok: boolean, path: string, problem: string, hint: string): void {
  if (!ok) throw new ConfigError(path, problem, hint);
}

/**
 * Derive the real storm's settings from `scenario`.
 *
 * @throws ConfigError naming the scenario field the real storm cannot reproduce.
 */
export function stormConfig(scenario: Scenario): StormConfig {
  const hint = 'bench/storm/scenario.yaml must describe a storm the proxy and the example can run';
  expectSetting(
    scenario.strategies.length === 1 && scenario.strategies[0]!.name === 'phasegate',
    'strategies',
    'must be exactly one phasegate entry',
    'the real fleet runs the chat-backend example, which is phasegate',
  );
  const entry = scenario.strategies[0]!;
  const { name: _name, label: _label, ...options } = entry;
  const settings = phasegateSettings(scenario, options);
  const instances = scenario.fleet.instances;
  expectSetting(scenario.fleet.startSpreadMs === 0, 'fleet.startSpreadMs', 'must be 0', hint);
  expectSetting(scenario.platform.egressDelayMs === 0, 'platform.egressDelayMs', 'must be 0', hint);
  expectSetting(scenario.database.restart === undefined, 'database.restart', 'is not supported', hint);
  expectSetting(
    scenario.database.otherClients === 1,
    'database.otherClients',
    'must be 1 (the sampler)',
    hint,
  );
  expectSetting(
    scenario.connector.maxSetupsPerSecond === undefined,
    'connector.maxSetupsPerSecond',
    'is not supported by the proxy',
    hint,
  );
  expectSetting(
    settings.expectedInstances === instances,
    'strategies[0].expectedInstances',
    `must equal fleet.instances (${instances})`,
    'FLEET_SIZE is the fleet size',
  );
  // The width the example plans for itself: planConnectionBudget's, for its fleet, pool and the
  // server's limits (which the real storm's database has: the scenario's max_connections and reserved).
  const exampleWidth = admissionWidth(
    instances,
    { dbPoolMax: settings.poolMax, dbPoolMinReady: settings.minReady },
    { maxConnections: scenario.database.maxConnections, reserved: scenario.database.reserved },
  );
  expectSetting(
    settings.admissionWidth === exampleWidth,
    'strategies[0].admissionWidth',
    `must be ${exampleWidth}, the example's width for ${instances} instances with this pool and database`,
    'the example does not take the width from its environment',
  );
  expectSetting(
    settings.maxConcurrentOpens === EXAMPLE_CONCURRENT_OPENS,
    'strategies[0].maxConcurrentOpens',
    `must be ${EXAMPLE_CONCURRENT_OPENS}, the example's`,
    hint,
  );
  const { connector, database } = scenario;
  return {
    instances,
    settings,
    connector: {
      slots: connector.slots,
      maxSlots: connector.maxSlots ?? connector.slots,
      step: connector.step ?? connector.slots,
      setupMs: connector.setupMs,
      pressureMs: connector.pressureMs,
      scaleUpDelayMs: connector.scaleUpDelayMs,
    },
    database: { maxConnections: database.maxConnections, reserved: database.reserved },
    env: {
      STARTUP_MODE: 'deterministic',
      STARTUP_BUDGET_MS: String(settings.budgetMs),
      DB_POOL_MAX: String(settings.poolMax),
      DB_POOL_MIN_READY: String(settings.minReady),
      FLEET_SIZE: String(settings.expectedInstances),
      FLEET_ADMISSION: settings.admission,
      REDIS_URL: '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DRAIN_DELAY_MS: '100',
      GRACE_PERIOD_MS: '10000',
    },
  };
}

/** `scenario` with the measured connection costs in place of the file's. */
export function withMeasuredCosts(
  scenario: Scenario,
  cost: { readonly acceptMs: number; readonly authMs: number; readonly queryMs: number },
): Scenario {
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  return {
    ...scenario,
    database: {
      ...scenario.database,
      acceptMs: round(cost.acceptMs),
      authMs: round(cost.authMs),
      queryMs: round(cost.queryMs),
    },
  };
}
