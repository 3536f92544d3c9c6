/**
 * Health endpoints (`/livez`, `/startupz`, `/readyz`, `/health`, `/metrics`) and metrics.
 */
export { createHealthHandler, type HealthHandler } from './handler.js';
export { startHealthServer, type HealthServer } from './server.js';
export {
  resolveHealthOptions,
  type HealthOptions,
  type HealthOptionsInput,
  type HealthServerOptionsInput,
} from './options.js';
export {
  HealthPaths,
  ReadinessReasons,
  StartupReasons,
  LivenessReasons,
  SERVICE_STATUSES,
  readinessOf,
  startupOf,
  reportedStatus,
  reportedSnapshot,
  type HealthPath,
  type ReadinessReason,
  type StartupReason,
  type LivenessReason,
  type ReadinessInputs,
} from './states.js';
export {
  createTrustPredicate,
  bearerTokenPredicate,
  isLoopbackAddress,
  type TrustPredicate,
  type TrustRequest,
  type TrustOptions,
} from './trust.js';
export { healthBody } from './health-body.js';
export {
  createHealthMetrics,
  BREAKER_STATE_VALUES,
  type HealthMetrics,
  type HealthMetricsOptionsInput,
  type ComponentStartObservation,
  type ComponentStartOutcome,
} from './metrics.js';
export {
  phasegateHealthPlugin,
  type FastifyHealthOptions,
  type FastifyLikeInstance,
  type FastifyLikeReply,
  type FastifyLikeRequest,
} from './fastify.js';
export { healthMiddleware, type HealthMiddleware } from './express.js';
