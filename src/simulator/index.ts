/**
 * The storm simulator: the real orchestrator, policies and Postgres component for a whole fleet on
 * virtual time, through simulated connector and database models.
 */
export {
  SimulationEngine,
  type SimulationEngineOptionsInput,
  type SettleMode,
  type RunOptions,
  type RunResult,
  type SimProcess,
} from './engine.js';
export { EventQueue, type ScheduledEvent, type Firable } from './event-queue.js';
export { DelayLine, type DelayLineItem, type DelayLineTicket } from './delay-line.js';
export {
  ConnectorModel,
  ConnectorRequest,
  type ConnectorOptions,
  type ConnectorClient,
  type ConnectorTicket,
  type ConnectorStats,
} from './connector.js';
export {
  DatabaseModel,
  type DatabaseOptions,
  type DatabaseClient,
  type DatabaseTicket,
  type BackendSlot,
  type BackendOwner,
} from './database.js';
export { tooManyClients, startingUp, type PostgresServerError } from './server-errors.js';
export { SimConnection, type SimQueryResult } from './sim-connection.js';
export {
  SimulatedInfrastructure,
  type InfrastructureOptions,
  type SimConnectionFactory,
  type NetworkEndpoint,
  type AttemptStats,
} from './infra.js';
export { sample, rangeMin, rangeMean, deriveSeed, type Range } from './range.js';
export {
  ScenarioSchema,
  parseScenario,
  parseScenarioText,
  loadScenario,
  withOverrides,
  MAX_INSTANCES,
  MAX_SEED,
  type Scenario,
  type ScenarioInput,
  type StrategyEntry,
} from './scenario.js';
export { lowerBound, instanceReadyFloorMs, type LowerBound } from './lower-bound.js';
export type { Strategy, StrategyDefinition, StrategyContext, SimInstance } from './strategy.js';
export {
  builtinStrategies,
  incidentStrategy,
  naiveBackoffStrategy,
  phasegateStrategy,
  phasegateSettings,
  planFor,
  type PhasegateSettings,
} from './strategies/index.js';
export { openAll } from './strategies/open-all.js';
export { runFleet, SIMULATION_MAX_EVENTS, type FleetRun, type RunFleetOptions } from './fleet.js';
export { simulate, type SimulateOptions } from './simulate.js';
export type {
  SimulationResult,
  SimulationOutcome,
  StrategyResult,
  StrategySeries,
  ReadyTimes,
} from './result.js';
export { toJson, formatTable, renderHtml, formatMs } from './report.js';
export { TimeSeries, type SeriesData, type SeriesName } from './time-series.js';
