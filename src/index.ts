/**
 * phasegate: deterministic, capacity-aware startup for Node.js services.
 */
export { systemClock, type Clock, type CancelTimer } from './common/clock.js';
export { Scope } from './common/scope.js';
export { seededRandom, defaultRandom, type Random } from './common/random.js';
export { Emitter, type Disposable, type Event } from './common/events.js';
export { redactText, redactUrl, safeMessage, REDACTED } from './common/redact.js';
export * from './errors/index.js';
export {
  planConnectionBudget,
  formatConnectionBudget,
  parseBudgetFile,
  budgetFileSchema,
  readLiveLimits,
  createAdmission,
  isAdmissionBackendName,
  PostgresAdmission,
  RedisAdmission,
  LocalAdmission,
  advisoryLockKey,
  AdmissionTimeoutError,
  type ConnectionBudget,
  type ConnectionBudgetInput,
  type PoolSettingsInput,
  type ProbeWindowInput,
  type RecommendedSettings,
  type BudgetEstimates,
  type BudgetFile,
  type LiveLimits,
  type AdmissionBackendName,
  type AdmissionCommonOptionsInput,
  type AdmissionOptionsInput,
  type FleetAdmission,
  type FleetAdmissionLease,
  type PollOptionsInput,
  type PostgresAdmissionOptionsInput,
  type RedisAdmissionOptionsInput,
  type RedisAdmissionLease,
  type LocalAdmissionOptionsInput,
} from './fleet/index.js';
