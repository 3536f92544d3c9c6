import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.js';
import {
  createLogger,
  type AdmissionRequest,
  type FleetAdmission,
  type FleetAdmissionLease,
} from '../../src/index.js';
import {
  POSTGRES_DEFAULT_LIMITS,
  PlannedAdmission,
  admissionWidth,
  planCommand,
  planFleetBudget,
  queryServerLimits,
  type FleetSettings,
  type ServerLimits,
} from './admission.js';
import { loadConfig } from './config.js';

/** What `phasegate plan … --json` prints for `command`, run through the real CLI. */
async function cliPlan(command: string): Promise<{ recommended: Record<string, unknown>; code: number }> {
  let out = '';
  let code = -1;
  const io: CliIo = {
    out: (text) => void (out += text),
    err: (text) => void (out += text),
    exit: (c) => (code = c),
  };
  const [program, ...args] = command.split(' ');
  expect(program).toBe('phasegate');
  await main(['node', 'phasegate', ...args, '--json'], io);
  return { recommended: (JSON.parse(out) as { recommended: Record<string, unknown> }).recommended, code };
}

const settings = (fleetSize: number, dbPoolMax: number, dbPoolMinReady: number): FleetSettings => ({
  fleetSize,
  dbPoolMax,
  dbPoolMinReady,
});

describe('the admission width', () => {
  it.each([
    // FLEET_SIZE, DB_POOL_MAX, DB_POOL_MIN_READY, max_connections, reserved
    [1, 10, 2, 100, 3],
    [4, 10, 2, 100, 3],
    [8, 8, 2, 100, 3], // the storm test's fleet
    [10, 8, 2, 60, 3], // bench/storm: the fair share (5) caps the pool
    [8, 25, 7, 400, 3], // DB_POOL_MIN_READY that is no round share of DB_POOL_MAX
    [3, 4, 4, 100, 3], // minReady = max: nothing to grow
    [40, 10, 2, 100, 3], // more instances than fit at DB_POOL_MAX
    [200, 10, 2, 100, 3], // not even one connection each
  ])(
    'FLEET_SIZE %i, DB_POOL_MAX %i, DB_POOL_MIN_READY %i against %i − %i: what `phasegate plan` prints',
    async (fleetSize, max, minReady, maxConnections, reserved) => {
      const s = settings(fleetSize, max, minReady);
      const limits = { maxConnections, reserved };
      const budget = planFleetBudget(s, limits);
      const printed = await cliPlan(planCommand(s, limits));
      expect(printed.recommended).toEqual({ ...budget.recommended });
      expect(printed.recommended.admissionWidth).toBe(budget.recommended.admissionWidth);
      expect(admissionWidth(fleetSize, { dbPoolMax: max, dbPoolMinReady: minReady }, limits)).toBe(
        budget.recommended.admissionWidth,
      );
      // At the configured pool max the plan needs exactly DB_POOL_MIN_READY before ready.
      if (budget.recommended.poolMax === max) expect(budget.recommended.minReady).toBe(minReady);
    },
  );

  it('is the planned width, not a quarter of the fleet', () => {
    // The planner's assumptions (50 new connections/s, 100 ms each, 2 at a time per instance) let 2
    // instances warm at once; a fleet that does not fit at all warms one at a time.
    expect([1, 2, 4, 8, 10, 40].map((fleetSize) => admissionWidth(fleetSize))).toEqual([1, 2, 2, 2, 2, 2]);
    expect(admissionWidth(98)).toBe(1); // 97 usable connections cannot give 98 instances one each
  });

  it('defaults to the example configuration and Postgres limits', () => {
    const config = loadConfig({});
    expect(admissionWidth(5)).toBe(
      planFleetBudget({ ...config, fleetSize: 5 }, POSTGRES_DEFAULT_LIMITS).recommended.admissionWidth,
    );
  });
});

describe('queryServerLimits', () => {
  /** A connection that answers the limit queries like a server with these settings. */
  const server = (maxConnections: number, superuserReserved: number, reservedConnections: number) => {
    const queries: string[] = [];
    const connection = {
      query: async (text: string) => {
        queries.push(text);
        if (text === 'SHOW max_connections') return { rows: [{ max_connections: String(maxConnections) }] };
        if (text === 'SHOW superuser_reserved_connections') {
          return { rows: [{ superuser_reserved_connections: String(superuserReserved) }] };
        }
        return { rows: [{ reserved_connections: reservedConnections }] };
      },
    };
    return { connection, queries };
  };

  it('reads max_connections and every reserved slot through the connection', async () => {
    const { connection, queries } = server(60, 3, 2);
    expect(await queryServerLimits(connection)).toEqual({ maxConnections: 60, reserved: 5 });
    expect(queries.some((q) => q.includes("current_setting('reserved_connections', true)"))).toBe(true);
  });

  it('rejects without a connection or on nonsense', async () => {
    await expect(queryServerLimits(undefined)).rejects.toThrow(TypeError);
    await expect(queryServerLimits(server(3, 3, 0).connection)).rejects.toThrow('unexpected limits');
  });
});

describe('PlannedAdmission', () => {
  function fixture(readLimits: (connection: unknown) => Promise<ServerLimits>) {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const created: Array<{ width: number; acquired: number; closed: number }> = [];
    const create = (width: number): FleetAdmission => {
      const record = { width, acquired: 0, closed: 0 };
      created.push(record);
      return {
        backend: 'postgres',
        width,
        acquire: async () => {
          record.acquired++;
          return {
            backend: 'postgres',
            waitedMs: 0,
            slot: 0,
            released: false,
            release: async () => {},
          } as FleetAdmissionLease;
        },
        close: async () => void record.closed++,
      };
    };
    const s = settings(8, 10, 2);
    const admission = new PlannedAdmission({ settings: s, backend: 'postgres', create, logger, readLimits });
    const request = (firstConnection: unknown): AdmissionRequest => ({
      signal: new AbortController().signal,
      deadline: Infinity,
      firstConnection,
    });
    return { lines, created, admission, request, settings: s };
  }

  it('plans the width from the limits read through the first connection, once, and logs the command', async () => {
    const reads: unknown[] = [];
    const f = fixture(async (connection) => {
      reads.push(connection);
      return { maxConnections: 30, reserved: 3 };
    });
    expect(f.admission.backend).toBe('postgres');
    const connection = { name: 'first' };
    await Promise.all([
      f.admission.acquire(f.request(connection)),
      f.admission.acquire(f.request(connection)),
    ]);
    const expected = planFleetBudget(f.settings, { maxConnections: 30, reserved: 3 }).recommended
      .admissionWidth;
    expect(reads).toEqual([connection]);
    expect(f.created).toEqual([{ width: expected, acquired: 2, closed: 0 }]);
    expect(f.admission.width).toBe(expected);
    const [line] = f.lines.filter((l) => l.event === 'chat.admission-width');
    expect(line).toMatchObject({
      width: expected,
      source: 'server',
      limits: { maxConnections: 30, reserved: 3 },
      command: planCommand(f.settings, { maxConnections: 30, reserved: 3 }),
    });
  });

  it('falls back to the Postgres defaults when the limits cannot be read', async () => {
    const f = fixture(async () => {
      throw new Error('permission denied');
    });
    await f.admission.acquire(f.request(undefined));
    const expected = planFleetBudget(f.settings, POSTGRES_DEFAULT_LIMITS).recommended.admissionWidth;
    expect(f.created.map((c) => c.width)).toEqual([expected]);
    expect(f.lines.map((l) => l.event)).toEqual([
      'chat.admission-limits-unavailable',
      'chat.admission-width',
    ]);
    expect(f.lines[1]).toMatchObject({ source: 'defaults', limits: POSTGRES_DEFAULT_LIMITS });
  });

  it('close() closes the backend; a later acquire plans again', async () => {
    let maxConnections = 100;
    const f = fixture(async () => ({ maxConnections, reserved: 3 }));
    await f.admission.close(); // nothing planned yet: nothing to close
    await f.admission.acquire(f.request({}));
    await f.admission.close();
    expect(f.created[0]!.closed).toBe(1);
    maxConnections = 20;
    await f.admission.acquire(f.request({}));
    expect(f.created).toHaveLength(2);
    expect(f.created[1]!.width).toBe(
      planFleetBudget(f.settings, { maxConnections: 20, reserved: 3 }).recommended.admissionWidth,
    );
  });
});
