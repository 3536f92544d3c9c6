import { ConfigError } from '../errors/config-error.js';
import type { AdmissionBackendName, FleetAdmission } from './admission.js';
import { LocalAdmission, type LocalAdmissionOptionsInput } from './local-admission.js';
import { PostgresAdmission, type PostgresAdmissionOptionsInput } from './postgres-admission.js';
import { RedisAdmission, type RedisAdmissionOptionsInput } from './redis-admission.js';

/** Options of {@link createAdmission}: the backend's name and its own options. */
export type AdmissionOptionsInput =
  | ({
      /** Advisory locks on the database: a {@link PostgresAdmission}. */
      readonly backend: 'postgres';
    } & PostgresAdmissionOptionsInput)
  | ({
      /** Expiring leases in Redis: a {@link RedisAdmission}. */
      readonly backend: 'redis';
    } & RedisAdmissionOptionsInput)
  | ({
      /** No coordination, a random start delay: a {@link LocalAdmission}. */
      readonly backend: 'local';
    } & LocalAdmissionOptionsInput);

const BACKENDS: readonly AdmissionBackendName[] = ['postgres', 'redis', 'local'];

/** True for `'postgres' | 'redis' | 'local'` (e.g. to check `FLEET_ADMISSION`). */
export function isAdmissionBackendName(value: unknown): value is AdmissionBackendName {
  return typeof value === 'string' && (BACKENDS as readonly string[]).includes(value);
}

/**
 * Create a fleet admission backend. Postgres is the default choice of the design (no extra
 * infrastructure); Redis suits fleets that already run it; local only spreads starts with jitter.
 * Options are validated at once; errors name the option (`admission.width`, ...).
 *
 * @example
 * ```ts
 * const admission = createAdmission({ backend: 'postgres', width: plan.recommended.admissionWidth, namespace: 'chat' });
 * const redis = createAdmission({ backend: 'redis', width: 3, url: process.env.REDIS_URL });
 * const local = createAdmission({ backend: 'local', width: 1, maxStartDelayMs: 2000 });
 * ```
 */
export function createAdmission(options: AdmissionOptionsInput): FleetAdmission {
  switch (options.backend) {
    case 'postgres':
      return new PostgresAdmission(options);
    case 'redis':
      return new RedisAdmission(options);
    case 'local':
      return new LocalAdmission(options);
    default:
      throw new ConfigError(
        'admission.backend',
        `unknown backend ${JSON.stringify((options as { backend?: unknown }).backend)}`,
        `use one of ${BACKENDS.map((b) => `'${b}'`).join(', ')}`,
      );
  }
}
