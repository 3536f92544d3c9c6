/** The errors a {@link PostgresPool} makes itself (internal). */
import { DependencyError } from '../dependency-error.js';
import type { PoolStats } from './pool-types.js';

/** A borrowed connection died while its caller had it: `transient`. */
export function connectionLostError(label: string): DependencyError {
  return new DependencyError({
    dependency: 'postgres',
    target: label,
    classification: 'transient',
    problem: 'the connection was lost while a caller had it borrowed',
  });
}

/** No connection came free within `acquireTimeoutMs`: `capacity`, driver code `POOL_TIMEOUT`. */
export function acquireTimeoutError(label: string, timeoutMs: number, stats: PoolStats): DependencyError {
  return new DependencyError({
    dependency: 'postgres',
    target: label,
    classification: 'capacity',
    driverCode: 'POOL_TIMEOUT',
    problem: `no connection became free within ${timeoutMs} ms (open ${stats.open}, waiting ${stats.waiting})`,
  });
}
