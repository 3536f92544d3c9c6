/**
 * The fleet: connection budgets (`planConnectionBudget`, `readLiveLimits`) and fleet-wide admission
 * (`createAdmission` with the Postgres, Redis and local backends).
 */
export { planConnectionBudget, computeBudget } from './connection-budget.js';
export type { ConnectionBudget, RecommendedSettings, BudgetEstimates } from './connection-budget.js';
export { resolveConnectionBudgetOptions, defaultHeadroom } from './connection-budget-options.js';
export type {
  ConnectionBudgetInput,
  ConnectionBudgetOptions,
  ConnectionLimitInput,
  PoolSettingsInput,
  ProbeWindowInput,
} from './connection-budget-options.js';
export { formatConnectionBudget } from './format-budget.js';
export { budgetFileSchema, parseBudgetFile, type BudgetFile } from './budget-file.js';
export {
  readLiveLimits,
  liveBudgetInput,
  type LiveLimits,
  type ReadLiveLimitsOptions,
} from './live-limits.js';
export { resolveCommonOptions } from './admission.js';
export type {
  AdmissionBackendName,
  AdmissionCommonOptions,
  AdmissionCommonOptionsInput,
  AdmissionLease,
  AdmissionProvider,
  AdmissionRequest,
  FleetAdmission,
  FleetAdmissionLease,
  PollOptionsInput,
} from './admission.js';
export { AdmissionTimeoutError } from './admission-timeout-error.js';
export { AdmissionLostError } from './admission-lost-error.js';
export { AdmissionClosedError } from './admission-closed-error.js';
export { pollForSlot, type PollForSlotOptions, type PolledSlot, type SlotAttempt } from './poll-for-slot.js';
export { createAdmission, isAdmissionBackendName, type AdmissionOptionsInput } from './create-admission.js';
export { PostgresAdmission, advisoryLockKey } from './postgres-admission.js';
export type {
  PostgresAdmissionLease,
  PostgresAdmissionOptionsInput,
  SqlSession,
} from './postgres-admission.js';
export { RedisAdmission } from './redis-admission.js';
export type { RedisAdmissionLease, RedisAdmissionOptionsInput, RedisLike } from './redis-admission.js';
export { LocalAdmission, type LocalAdmissionOptionsInput } from './local-admission.js';
