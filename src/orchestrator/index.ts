export {
  AVAILABILITY_LEVELS,
  isAvailability,
  worseAvailability,
  worstAvailability,
  type Availability,
} from './availability.js';
export type { ComponentCallContext, ComponentContext, ComponentReport, ComponentSpec } from './component.js';
export type {
  AdmissionSnapshot,
  BreakerStateName,
  ComponentSnapshot,
  ComponentState,
  ErrorSummary,
  PhaseSnapshot,
  PhaseState,
  PoolSummary,
  ServiceStatus,
  SnapshotSource,
  StartupSnapshot,
} from './snapshot.js';
export { definePlan, type Phase, type PhaseInput, type Plan, type PlanInput } from './plan.js';
export { phaseBudget, validatePlanBudget } from './phase-budget.js';
export {
  SEVEN_PHASES,
  sevenPhasePlan,
  type SevenPhaseComponents,
  type SevenPhaseName,
  type SevenPhasePlanOptionsInput,
} from './seven-phase.js';
export {
  resolveOrchestratorOptions,
  type OrchestratorMode,
  type OrchestratorOptions,
  type OrchestratorOptionsInput,
  type PolicyFactory,
  type PolicyFactoryContext,
} from './orchestrator-options.js';
export { defaultComponentPolicy } from './default-policy.js';
export { Orchestrator, createOrchestrator } from './orchestrator.js';
export type {
  AvailabilityChangeEvent,
  ComponentAttemptEndEvent,
  ComponentAttemptEvent,
  ComponentDegradedEvent,
  ComponentFailedEvent,
  ComponentHealthyEvent,
  ComponentMarkEvent,
  ComponentReadyEvent,
  ComponentRecoveredEvent,
  ComponentStopEvent,
  ComponentUnhealthyEvent,
  OrchestratorEvent,
  OrchestratorEventOf,
  OrchestratorEventType,
  PhaseEndEvent,
  PhaseStartEvent,
  StartupEndEvent,
  StartupStartEvent,
  StatusChangeEvent,
} from './orchestrator-events.js';
export { DependencyUnavailableError } from './dependency-unavailable-error.js';
export {
  TIMELINE_SCHEMA_VERSION,
  Timeline,
  type TimelineEntry,
  type TimelineJSON,
  type TimelineOptionsInput,
} from './timeline.js';
export { formatWaterfall, type WaterfallOptionsInput } from './waterfall.js';
