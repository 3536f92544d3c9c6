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

/** Options every backend takes (`local` ignores `namespace` and `poll`, so one object fits all three). */
const SHARED_KEYS = ['backend', 'width', 'namespace', 'clock', 'random', 'poll'];

/** Each backend's own options. */
const OWN_KEYS: Readonly<Record<AdmissionBackendName, readonly string[]>> = {
  postgres: ['connection', 'releaseTimeoutMs'],
  redis: ['redis', 'url', 'key', 'leaseMs', 'refreshMs', 'onLeaseLost'],
  local: ['maxStartDelayMs'],
};

/**
 * Refuse an option the chosen backend would ignore: another backend's (`url` given to the Postgres
 * backend, which would then lock on the first connection, not on that URL) or a typo. An option set
 * to `undefined` counts as not given.
 */
function checkKeys(backend: AdmissionBackendName, options: object): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || SHARED_KEYS.includes(key) || OWN_KEYS[backend].includes(key)) continue;
    const owner = BACKENDS.find((other) => OWN_KEYS[other].includes(key));
    throw new ConfigError(
      `admission.${key}`,
      owner
        ? `is an option of the ${owner} backend, not of ${backend}`
        : `is not an option of the ${backend} backend`,
      `give ${[...SHARED_KEYS.slice(1), ...OWN_KEYS[backend]].join(', ')}`,
    );
  }
}

/** True for `'postgres' | 'redis' | 'local'` (e.g. to check `FLEET_ADMISSION`). */
export function isAdmissionBackendName(value: unknown): value is AdmissionBackendName {
  return typeof value === 'string' && (BACKENDS as readonly string[]).includes(value);
}

/**
 * Create a fleet admission backend. Postgres is the default choice of the design (no extra
 * infrastructure); Redis suits fleets that already run it; local only spreads starts with jitter.
 * Options are validated at once; errors name the option (`admission.width`, ...), and an option the
 * backend does not take (another backend's, or a typo) is an error too.
 *
 * @example
 * ```ts
 * const admission = createAdmission({ backend: 'postgres', width: plan.recommended.admissionWidth, namespace: 'chat' });
 * const redis = createAdmission({ backend: 'redis', width: 3, url: process.env.REDIS_URL });
 * const local = createAdmission({ backend: 'local', width: 1, maxStartDelayMs: 2000 });
 * ```
 */
export function createAdmission(options: AdmissionOptionsInput): FleetAdmission {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('admission', 'must be an object', "e.g. { backend: 'postgres', width: 2 }");
  }
  if (isAdmissionBackendName(options.backend)) checkKeys(options.backend, options);
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
