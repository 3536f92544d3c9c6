/**
 * The chat backend's fleet admission. How many instances may warm their pools past
 * `DB_POOL_MIN_READY` at once (the admission width K) is what `phasegate plan` recommends for
 * `FLEET_SIZE`, `DB_POOL_MAX` and `DB_POOL_MIN_READY` against the server's `max_connections` and
 * reserved slots. Those are read live when the first slot is asked for, through the connection the
 * admission itself uses (the pool's first), so no extra connection is opened. When they cannot be
 * read, the Postgres defaults are used (100 and 3).
 */

import {
  planConnectionBudget,
  readServerLimits,
  type AdmissionBackendName,
  type AdmissionRequest,
  type ConnectionBudget,
  type ConnectionBudgetInput,
  type FleetAdmission,
  type FleetAdmissionLease,
  type Logger,
  type PgConnection,
} from '../../src/index.js';
import { loadConfig, type ChatConfig } from './config.js';

/** The server settings the width is planned against. */
export interface ServerLimits {
  /** `max_connections`. */
  readonly maxConnections: number;
  /** `superuser_reserved_connections` plus `reserved_connections` (Postgres 16+). */
  readonly reserved: number;
}

/** The Postgres defaults, planned against when the server cannot be read. */
export const POSTGRES_DEFAULT_LIMITS: ServerLimits = { maxConnections: 100, reserved: 3 };

/** The configuration the width depends on. */
export type FleetSettings = Pick<ChatConfig, 'fleetSize' | 'dbPoolMax' | 'dbPoolMinReady'>;

/**
 * The budget input for this configuration. Other clients are left at 0 (as `phasegate plan` without
 * `--other-clients`): counted live, they would include the fleet itself, and instances that count
 * different numbers would plan different widths.
 */
export function fleetBudgetInput(settings: FleetSettings, limits: ServerLimits): ConnectionBudgetInput {
  return {
    instances: settings.fleetSize,
    pool: { max: settings.dbPoolMax },
    minReady: settings.dbPoolMinReady,
    maxConnections: limits.maxConnections,
    superuserReserved: limits.reserved,
  };
}

/** The connection budget of the fleet; `recommended.admissionWidth` is the width the example uses. */
export function planFleetBudget(settings: FleetSettings, limits: ServerLimits): ConnectionBudget {
  return planConnectionBudget(fleetBudgetInput(settings, limits));
}

/** The `phasegate plan` command line that prints the same budget. */
export function planCommand(settings: FleetSettings, limits: ServerLimits): string {
  const input = fleetBudgetInput(settings, limits);
  return [
    'phasegate plan',
    `--instances ${input.instances}`,
    `--pool-max ${settings.dbPoolMax}`,
    `--min-ready ${settings.dbPoolMinReady}`,
    `--max-connections ${input.maxConnections}`,
    `--reserved ${String(input.superuserReserved)}`,
  ].join(' ');
}

/**
 * The width the example uses for `fleetSize` instances; the pool settings default to the example's
 * (`DB_POOL_MAX` 10, `DB_POOL_MIN_READY` 2), the limits to Postgres's.
 */
export function admissionWidth(
  fleetSize: number,
  pool: Omit<FleetSettings, 'fleetSize'> = loadConfig({}),
  limits: ServerLimits = POSTGRES_DEFAULT_LIMITS,
): number {
  const settings = { fleetSize, dbPoolMax: pool.dbPoolMax, dbPoolMinReady: pool.dbPoolMinReady };
  return planFleetBudget(settings, limits).recommended.admissionWidth;
}

/**
 * Read {@link ServerLimits} through `connection` (a `PgConnection`) with phasegate's
 * `readServerLimits`: `max_connections`, and every reserved slot (`superuser_reserved_connections`
 * plus `reserved_connections`).
 */
export async function queryServerLimits(connection: unknown): Promise<ServerLimits> {
  if (typeof (connection as { query?: unknown } | null | undefined)?.query !== 'function') {
    throw new TypeError('no connection to read the limits through');
  }
  const live = await readServerLimits(connection as PgConnection);
  const { maxConnections } = live;
  const reserved = live.superuserReserved + live.reservedConnections;
  if (reserved >= maxConnections) {
    throw new TypeError(`unexpected limits: max_connections ${maxConnections}, reserved ${reserved}`);
  }
  return { maxConnections, reserved };
}

/** Options of {@link PlannedAdmission}. */
export interface PlannedAdmissionOptions {
  readonly settings: FleetSettings;
  readonly backend: AdmissionBackendName;
  /** Creates the backend once the width is known. */
  readonly create: (width: number) => FleetAdmission;
  readonly logger: Logger;
  /** Reads the limits through the admission's connection. @default queryServerLimits */
  readonly readLimits?: (connection: unknown) => Promise<ServerLimits>;
}

/**
 * A fleet admission whose width is planned on the first `acquire`, from the live server limits.
 * Every instance of a fleet reads the same settings from the same server, so all of them use the
 * same K slots. `close()` closes the backend and forgets the width: a later `acquire` plans again.
 */
export class PlannedAdmission implements FleetAdmission {
  readonly backend: AdmissionBackendName;
  private planned: Promise<FleetAdmission> | undefined;
  private current: FleetAdmission | undefined;

  constructor(private readonly options: PlannedAdmissionOptions) {
    this.backend = options.backend;
  }

  /** K: planned from the live limits once a slot has been asked for; before that, from the defaults. */
  get width(): number {
    return (
      this.current?.width ??
      planFleetBudget(this.options.settings, POSTGRES_DEFAULT_LIMITS).recommended.admissionWidth
    );
  }

  async acquire(request: AdmissionRequest): Promise<FleetAdmissionLease> {
    this.planned ??= this.plan(request.firstConnection);
    return (await this.planned).acquire(request);
  }

  async close(): Promise<void> {
    const planned = this.planned;
    this.planned = undefined;
    this.current = undefined;
    await planned?.then(
      (admission) => admission.close(),
      () => undefined,
    );
  }

  private async plan(connection: unknown): Promise<FleetAdmission> {
    const { settings, logger } = this.options;
    let limits = POSTGRES_DEFAULT_LIMITS;
    let source: 'server' | 'defaults' = 'defaults';
    try {
      limits = await (this.options.readLimits ?? queryServerLimits)(connection);
      source = 'server';
    } catch (error) {
      logger.warn(
        { event: 'chat.admission-limits-unavailable', err: error, limits },
        'could not read max_connections; planning the admission width against the Postgres defaults',
      );
    }
    const budget = planFleetBudget(settings, limits);
    const width = budget.recommended.admissionWidth;
    const command = planCommand(settings, limits);
    logger.info(
      {
        event: 'chat.admission-width',
        backend: this.backend,
        width,
        limits,
        source,
        recommended: budget.recommended,
        command,
      },
      `admission width ${width}, as \`${command}\` recommends`,
    );
    this.current = this.options.create(width);
    return this.current;
  }
}
