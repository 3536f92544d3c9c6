/**
 * Components for real dependencies: a Postgres pool (minReady start, live fair-share target,
 * background growth under fleet admission), Redis, TCP and HTTP.
 */
export { postgresComponent } from './postgres/postgres.js';
export {
  resolvePostgresOptions,
  type PostgresComponentOptionsInput,
  type PostgresComponentOptions,
} from './postgres/options.js';
export {
  PostgresPool,
  type PostgresPoolOptions,
  type PoolStats,
  type PoolLease,
  type PoolSession,
} from './postgres/pool.js';
export {
  pgConnectionFactory,
  describePostgresTarget,
  PgClientConnection,
  type ConnectionFactory,
  type PgConnection,
  type PgQueryResult,
  type PostgresConnectionConfig,
} from './postgres/connection.js';
export {
  decidePoolTarget,
  fairShare,
  readServerLimits,
  SERVER_USAGE_QUERY,
  type ServerLimits,
  type PoolTargetDecision,
  type PoolTargetInput,
  type TargetLimit,
} from './postgres/limits.js';
export { runPoolGrowth, type PoolGrowthOptions, type GrowthEvent } from './postgres/warmup.js';
export type { AdmissionLease, AdmissionProvider, AdmissionRequest } from './admission-hook.js';
export {
  DependencyError,
  isDependencyError,
  toDependencyError,
  classifyDriverError,
  driverCodeOf,
  type DependencyErrorInit,
} from './dependency-error.js';
export { redisComponent, type RedisComponentOptionsInput } from './redis.js';
export { tcpComponent, probeTcp, type TcpComponentOptionsInput, type TcpEndpoint } from './tcp.js';
export {
  httpComponent,
  HttpStatusError,
  classifyHttpStatus,
  parseRetryAfter,
  type HttpComponentOptionsInput,
  type HttpEndpoint,
} from './http.js';
