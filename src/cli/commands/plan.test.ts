import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runPlan, type PlanDependencies, type PlanFlags } from './plan.js';
import { readLiveLimits, type LiveLimits } from '../../fleet/live-limits.js';

interface Captured {
  out: string;
  err: string;
}

function capture(): Captured & { io: { out(text: string): void; err(text: string): void } } {
  const captured = { out: '', err: '' };
  return {
    get out() {
      return captured.out;
    },
    get err() {
      return captured.err;
    },
    io: {
      out: (text: string) => void (captured.out += text),
      err: (text: string) => void (captured.err += text),
    },
  };
}

const noIo: PlanDependencies = {
  readLiveLimits: () => Promise.reject(new Error('no database in unit tests')),
  readFile: (path) =>
    Promise.reject(Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' })),
};

function withFiles(files: Record<string, string>, live?: LiveLimits): PlanDependencies {
  return {
    readLiveLimits: live ? () => Promise.resolve(live) : noIo.readLiveLimits,
    readFile: (path) => (path in files ? Promise.resolve(files[path]!) : noIo.readFile(path)),
  };
}

const incident: PlanFlags = {
  instances: '2',
  poolSize: '20',
  maxOverflow: '30',
  maxConnections: '100',
  reserved: '3',
};

describe('phasegate plan', () => {
  it('the incident: prints JSON with the verdict and the numbers that fit, exit 1', async () => {
    const c = capture();
    const code = await runPlan({ ...incident, json: true }, c.io, noIo);
    expect(code).toBe(1);
    const json = JSON.parse(c.out) as Record<string, unknown>;
    expect(json).toMatchObject({
      fits: false,
      peakConnections: 100,
      availableConnections: 97,
      overcommittedBy: 3,
      perInstanceFairShare: 48,
      recommended: { poolMax: 46, minReady: 12, admissionWidth: 2 },
    });
    expect(c.err).toBe('');
  });

  it('--json keeps its shape: these keys, and `live` only with --database-url', async () => {
    const c = capture();
    await runPlan({ ...incident, json: true }, c.io, noIo);
    const json = JSON.parse(c.out) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      [
        'fits',
        'instances',
        'maxInstances',
        'perInstanceMax',
        'peakConnections',
        'availableConnections',
        'limitedBy',
        'overcommittedBy',
        'maxInstancesThatFit',
        'perInstanceFairShare',
        'probeWindowMs',
        'recommended',
        'estimates',
        'reasons',
      ].sort(),
    );
    expect(Object.keys(json.recommended as object).sort()).toEqual(
      ['feasible', 'poolMax', 'minReady', 'admissionWidth', 'startupBudgetMs', 'headroom'].sort(),
    );
    expect(Object.keys(json.estimates as object).sort()).toEqual(['allReadyMs', 'allWarmMs']);
  });

  it('prints a human table with the verdict and reasons', async () => {
    const c = capture();
    const code = await runPlan(incident, c.io, noIo);
    expect(code).toBe(1);
    expect(c.out).toMatch(/verdict\s+OVERCOMMITTED by 3/);
    expect(c.out).toMatch(/DB_POOL_MAX\s+46/);
    expect(c.out).toContain('Overcommitted as soon as 2 instances run');
  });

  it('exits 0 when the plan fits, and derives a startup budget from the probe flags', async () => {
    const c = capture();
    const code = await runPlan(
      {
        instances: '2',
        poolMax: '10',
        maxConnections: '100',
        probePeriod: '10',
        probeFailureThreshold: '6',
        json: true,
      },
      c.io,
      noIo,
    );
    expect(code).toBe(0);
    const json = JSON.parse(c.out) as { fits: boolean; recommended: { startupBudgetMs: number } };
    expect(json.fits).toBe(true);
    expect(json.recommended.startupBudgetMs).toBe(48_000);
  });

  it.each<[string, PlanFlags, RegExp]>([
    ['a non-number', { ...incident, instances: 'two' }, /--instances: must be a number, got "two"/],
    [
      'a fraction where a count is needed',
      { ...incident, maxOverflow: '1.5' },
      /--max-overflow: must be a whole number/,
    ],
    ['a missing required flag', { poolMax: '5', maxConnections: '100' }, /--instances: is required/],
    [
      'a rollout peak too large to count exactly',
      { ...incident, instances: '1125899906842624' },
      /--instances: makes the rollout peak \(1125899906842624 × 50 connections \+ 0 others\) larger than 9007199254740991/,
    ],
    [
      'no max_connections from anywhere',
      { instances: '2', poolMax: '5' },
      /--max-connections: is required \(fix: set --max-connections, or read it from the server with --database-url\)/,
    ],
    [
      'mixed pool shapes',
      { ...incident, poolMax: '10' },
      /--pool-size\/--max-overflow or --pool-min\/--pool-max: mixes/,
    ],
    ['surge below replicas', { ...incident, maxInstances: '1' }, /--max-instances: must be at least/],
    [
      'reserved above the limit',
      { ...incident, reserved: '100' },
      /--reserved: must be below --max-connections/,
    ],
    ['a zero probe period', { ...incident, probePeriod: '0' }, /--probe-period: must be a number > 0/],
    [
      'a count in exponent notation too large to count exactly (it said "must be a number")',
      { ...incident, instances: '1e20' },
      /--instances: must be a whole number from 1 to 9007199254740991, got 100000000000000000000/,
    ],
    [
      'a count too large to count exactly',
      { ...incident, instances: '99999999999999999999' },
      /--instances: must be a whole number from 1 to 9007199254740991, got 100000000000000000000/,
    ],
  ])('exits 78 on %s, naming the flag and the fix', async (_label, flags, message) => {
    const c = capture();
    expect(await runPlan(flags, c.io, noIo)).toBe(78);
    expect(c.err).toMatch(message);
    expect(c.err).toContain('fix:');
    expect(c.out).toBe('');
  });

  it('reads numbers in exponent notation, as the YAML file does', async () => {
    // `--setup-rate 1e3` exited 78 with "--setup-rate: must be a number, got "1e3"".
    const c = capture();
    const flags = { ...incident, maxConnections: '1e3', setupRate: '1.5e3', json: true };
    expect(await runPlan(flags, c.io, noIo)).toBe(0);
    const json = JSON.parse(c.out) as { availableConnections: number; reasons: string[] };
    expect(json.availableConnections).toBe(997);
    expect(json.reasons.join('\n')).toContain('~1500 new connections/s');
    for (const [flag, value] of [
      ['--setup-rate', 'Infinity'],
      ['--instances', '0x10'],
      ['--instances', '1e'],
    ] as const) {
      const bad = capture();
      const key = flag === '--setup-rate' ? 'setupRate' : 'instances';
      expect(await runPlan({ ...incident, [key]: value }, bad.io, noIo)).toBe(78);
      expect(bad.err).toContain(`${flag}: must be a number, got "${value}"`);
    }
  });

  it('reads a YAML file, and flags override it', async () => {
    const file = [
      'instances: 4',
      'maxInstances: 5',
      'pool: { min: 2, max: 10 }',
      'maxConnections: 100',
      'otherClients: 6',
    ].join('\n');
    const deps = withFiles({ 'plan.yaml': file });
    const fromFile = capture();
    expect(await runPlan({ file: 'plan.yaml', json: true }, fromFile.io, deps)).toBe(0);
    expect(JSON.parse(fromFile.out)).toMatchObject({
      maxInstances: 5,
      peakConnections: 56,
      availableConnections: 91,
    });

    const overridden = capture();
    expect(await runPlan({ file: 'plan.yaml', poolMax: '30', json: true }, overridden.io, deps)).toBe(1);
    expect(JSON.parse(overridden.out)).toMatchObject({ peakConnections: 156, recommended: { poolMax: 17 } });
  });

  it('pool flags override the file key by key in the same shape, and replace it in the other shape', async () => {
    const deps = withFiles({
      'plan.yaml': 'instances: 2\npool: { poolSize: 10, maxOverflow: 40 }\nmaxConnections: 100\n',
    });
    const sameShape = capture();
    expect(await runPlan({ file: 'plan.yaml', poolSize: '20', json: true }, sameShape.io, deps)).toBe(1);
    expect(JSON.parse(sameShape.out)).toMatchObject({ perInstanceMax: 60 }); // 20 + the file's 40
    const otherShape = capture();
    expect(await runPlan({ file: 'plan.yaml', poolMax: '20', json: true }, otherShape.io, deps)).toBe(0);
    expect(JSON.parse(otherShape.out)).toMatchObject({ perInstanceMax: 20 });
  });

  it("roleLimit and databaseLimit in the file count like the live server's", async () => {
    const deps = withFiles({
      'plan.yaml': 'roleLimit: { limit: 60, otherClients: 2 }\ndatabaseLimit: { limit: 40 }\n',
    });
    const c = capture();
    expect(await runPlan({ ...incident, file: 'plan.yaml', json: true }, c.io, deps)).toBe(1);
    expect(JSON.parse(c.out)).toMatchObject({ limitedBy: 'database', availableConnections: 40 });
  });

  it('a probe in the file takes the Kubernetes default for the half it leaves out, as the flags do', async () => {
    const deps = withFiles({ 'plan.yaml': 'probe: { periodSeconds: 20 }' });
    const c = capture();
    await runPlan({ ...incident, file: 'plan.yaml', json: true }, c.io, deps);
    expect(JSON.parse(c.out)).toMatchObject({ probeWindowMs: 60_000 }); // 20 s × 3
  });

  it('errors about flags are said in flags, not in the budget key names', async () => {
    const c = capture();
    expect(await runPlan({ ...incident, poolSize: undefined, maxOverflow: undefined }, c.io, noIo)).toBe(78);
    expect(c.err).toContain('give --pool-size (with --max-overflow) or --pool-max (with --pool-min)');
    const reserved = capture();
    expect(await runPlan({ ...incident, reserved: '100' }, reserved.io, noIo)).toBe(78);
    expect(reserved.err).toContain('--reserved: must be below --max-connections (100)');
  });

  it('--min-ready keeps the count an instance needs (capped by the pool max); a flag replaces the fraction of the file', async () => {
    const flags: PlanFlags = { instances: '3', poolMax: '4', maxConnections: '100', reserved: '3' };
    const byCount = capture();
    expect(await runPlan({ ...flags, minReady: '3', json: true }, byCount.io, noIo)).toBe(0);
    expect(JSON.parse(byCount.out)).toMatchObject({ recommended: { poolMax: 4, minReady: 3 } });
    const capped = capture();
    await runPlan({ ...flags, minReady: '9', json: true }, capped.io, noIo);
    expect(JSON.parse(capped.out)).toMatchObject({ recommended: { poolMax: 4, minReady: 4 } });
    const deps = withFiles({ 'plan.yaml': 'minReadyFraction: 0.5' });
    const overridden = capture();
    expect(
      await runPlan({ ...flags, file: 'plan.yaml', minReady: '1', json: true }, overridden.io, deps),
    ).toBe(0);
    expect(JSON.parse(overridden.out)).toMatchObject({ recommended: { minReady: 1 } });
    const both = capture();
    expect(await runPlan({ ...flags, minReady: '1', minReadyFraction: '0.5' }, both.io, noIo)).toBe(78);
    expect(both.err).toContain('--min-ready: is given together with --min-ready-fraction');
    expect(both.err).toContain('not both');
  });

  it('names the file and key when the YAML is wrong', async () => {
    const deps = withFiles({
      'bad.yaml': 'instances: 2\npool: { poolSize: "twenty" }\nmaxConections: 100\n',
      'broken.yaml': 'instances: [2\n',
      'semantic.yaml': 'instances: 3\nmaxInstances: 2\npool: { max: 5 }\nmaxConnections: 100\n',
    });
    const bad = capture();
    expect(await runPlan({ file: 'bad.yaml' }, bad.io, deps)).toBe(78);
    expect(bad.err).toContain('bad.yaml: pool.poolSize');
    expect(bad.err).toContain('unknown key "maxConections"');
    expect(bad.err).toContain('did you mean maxConnections?');

    const broken = capture();
    expect(await runPlan({ file: 'broken.yaml' }, broken.io, deps)).toBe(78);
    expect(broken.err).toContain('broken.yaml: is not valid YAML');

    const semantic = capture();
    expect(await runPlan({ file: 'semantic.yaml' }, semantic.io, deps)).toBe(78);
    expect(semantic.err).toContain('maxInstances in semantic.yaml: must be at least instances (3)');

    const missing = capture();
    expect(await runPlan({ file: 'nope.yaml' }, missing.io, deps)).toBe(78);
    expect(missing.err).toContain('--file: cannot read nope.yaml');
  });

  it('--database-url fills max_connections, reserved and other clients; flags still win; the password is never printed', async () => {
    const live: LiveLimits = {
      maxConnections: 50,
      superuserReserved: 3,
      reservedConnections: 2,
      otherClients: 7,
      roleConnectionLimit: null,
      roleOtherClients: 0,
      databaseConnectionLimit: null,
      databaseOtherClients: 7,
      serverVersion: '16.4',
    };
    const url = 'postgres://app:hunter2@db.internal:5432/app';
    const deps = withFiles({}, live);
    const c = capture();
    expect(await runPlan({ instances: '2', poolMax: '10', databaseUrl: url, json: true }, c.io, deps)).toBe(
      0,
    );
    const json = JSON.parse(c.out) as { availableConnections: number; live: { database: string } };
    expect(json.availableConnections).toBe(50 - 5 - 7);
    expect(json.live.database).toBe('postgres://app:***@db.internal:5432/app');

    const overridden = capture();
    await runPlan(
      { instances: '2', poolMax: '10', databaseUrl: url, otherClients: '0' },
      overridden.io,
      deps,
    );
    expect(overridden.out).toMatch(/available connections\s+45/);
    expect(overridden.out).toContain('postgres://app:***@db.internal');
    expect(overridden.out + overridden.err + c.out).not.toContain('hunter2');
  });

  it("--database-url: the role's and database's CONNECTION LIMIT count, and the table says which one decides", async () => {
    const live: LiveLimits = {
      maxConnections: 100,
      superuserReserved: 3,
      reservedConnections: 0,
      otherClients: 10,
      roleConnectionLimit: 12,
      roleOtherClients: 2,
      databaseConnectionLimit: 50,
      databaseOtherClients: 4,
      serverVersion: '15.20',
    };
    const deps = withFiles({}, live);
    const flags: PlanFlags = { instances: '2', poolMax: '10', databaseUrl: 'postgres://app@db/app' };
    const json = capture();
    expect(await runPlan({ ...flags, json: true }, json.io, deps)).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({
      fits: false,
      limitedBy: 'role',
      availableConnections: 10, // 12 − 2, not the server's 100 − 3 − 10
      overcommittedBy: 10,
      live: { roleConnectionLimit: 12, databaseConnectionLimit: 50 },
    });
    const table = capture();
    expect(await runPlan(flags, table.io, deps)).toBe(1);
    expect(table.out).toContain(
      'role connection limit 12 (2 in use), database connection limit 50 (4 in use)',
    );
    expect(table.out).toContain("10 available (the role's connection limit 12 − 2 held by others)");
  });

  it('--database-url must be a postgres URL: empty, malformed or another scheme exit 78 before any connection', async () => {
    const cases: [string, string][] = [
      ['', '--database-url: is empty'],
      ['   ', '--database-url: is empty'],
      ['not-a-url', '--database-url: is not a valid URL'],
      ['host=db password=hunter2', '--database-url: is not a valid URL: host=db password=***'],
      [
        'mysql://app:hunter2@db/app',
        '--database-url: must be a postgres:// or postgresql:// URL, not mysql://',
      ],
      // An unencoded `/` in the password: not a URL a driver reads as meant, and never printed.
      ['postgres://app:hun/ter2@db:5432/app', 'is not a valid URL: postgres://app:***@db:5432/app'],
    ];
    for (const [url, message] of cases) {
      let connected = false;
      const deps: PlanDependencies = {
        ...noIo,
        readLiveLimits: () => {
          connected = true;
          return noIo.readLiveLimits(url);
        },
      };
      const c = capture();
      expect(await runPlan({ ...incident, databaseUrl: url }, c.io, deps)).toBe(78);
      expect(c.err).toContain(message);
      expect(c.err).not.toMatch(/hunter2|hun\/ter2/);
      expect(connected).toBe(false);
    }
  });

  it('--database-url that cannot be reached exits 3; bad credentials exit 78; neither prints the password', async () => {
    const url = 'postgres://app:hunter2@db.internal:5432/app';
    const refused = capture();
    const refusedDeps: PlanDependencies = {
      ...noIo,
      readLiveLimits: () =>
        Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' }),
        ),
    };
    expect(await runPlan({ ...incident, databaseUrl: url }, refused.io, refusedDeps)).toBe(3);
    expect(refused.err).toContain('could not read limits from postgres://app:***@db.internal:5432/app');

    const denied = capture();
    const deniedDeps: PlanDependencies = {
      ...noIo,
      readLiveLimits: () =>
        Promise.reject(
          Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' }),
        ),
    };
    expect(await runPlan({ ...incident, databaseUrl: url }, denied.io, deniedDeps)).toBe(78);
    expect(refused.err + denied.err).not.toContain('hunter2');
    // Each says what to do, as the Postgres component's errors do.
    expect(refused.err).toContain('(fix: is the server running and listening on that address?)');
    expect(denied.err).toContain('(fix: check the user name and password)');

    const noConnect = capture();
    const noConnectDeps: PlanDependencies = {
      ...noIo,
      readLiveLimits: () =>
        Promise.reject(Object.assign(new Error('permission denied for database "app"'), { code: '42501' })),
    };
    expect(await runPlan({ ...incident, databaseUrl: url }, noConnect.io, noConnectDeps)).toBe(78);
    expect(noConnect.err).toContain(
      'permission denied for database "app" (fix: grant the role the privilege the message names',
    );
  });

  it('--database-url naming a file that cannot be read (sslrootcert) exits 78, naming the parameter and the file', async () => {
    // The real reader: pg reads the file before it connects, so no server is needed.
    const url =
      'postgres://app:hunter2@db.invalid:5432/app?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem';
    const c = capture();
    const deps: PlanDependencies = { ...noIo, readLiveLimits: (u) => readLiveLimits(u) };
    expect(await runPlan({ ...incident, databaseUrl: url }, c.io, deps)).toBe(78);
    expect(c.err).toContain('--database-url: sslrootcert=/nonexistent/ca.pem cannot be read');
    expect(c.err).toContain('no such file or directory');
    expect(c.err).not.toContain('hunter2');
  });

  it('--database-url failing with an error phasegate does not recognise is not reported as unreachable (exit 3)', async () => {
    // The server answered, but not as the limits query expects (a Postgres-like server without the
    // column): not a database that is down, so not exit 3, which tells a script to try again later.
    const url = 'postgres://app:hunter2@db.internal:5432/app';
    const c = capture();
    const deps: PlanDependencies = {
      ...noIo,
      readLiveLimits: () =>
        Promise.reject(Object.assign(new Error('column "rolconnlimit" does not exist'), { code: '42703' })),
    };
    const outcome = runPlan({ ...incident, databaseUrl: url }, c.io, deps);
    await expect(outcome).rejects.toThrow(
      'could not read limits from postgres://app:***@db.internal:5432/app: column "rolconnlimit" does not exist',
    );
    expect(c.err).not.toContain('hunter2');
  });

  it('the recommendation, given back as --pool-max and --min-ready, exits 0 whenever one is feasible', async () => {
    const flags = fc.record({
      instances: fc.integer({ min: 1, max: 100 }),
      surge: fc.integer({ min: 0, max: 20 }),
      poolSize: fc.integer({ min: 0, max: 60 }),
      maxOverflow: fc.integer({ min: 1, max: 60 }),
      maxConnections: fc.integer({ min: 20, max: 5000 }),
      reserved: fc.integer({ min: 0, max: 15 }),
      otherClients: fc.integer({ min: 0, max: 300 }),
      roleLimit: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(flags, async (f) => {
        const given: PlanFlags = {
          instances: String(f.instances),
          maxInstances: String(f.instances + f.surge),
          poolSize: String(f.poolSize),
          maxOverflow: String(f.maxOverflow),
          maxConnections: String(f.maxConnections),
          reserved: String(f.reserved),
          otherClients: String(f.otherClients),
          ...(f.roleLimit === undefined ? {} : { file: 'role.yaml' }),
        };
        const deps = withFiles({ 'role.yaml': `roleLimit: { limit: ${f.roleLimit} }` });
        const first = capture();
        const code = await runPlan({ ...given, json: true }, first.io, deps);
        const plan = JSON.parse(first.out) as {
          fits: boolean;
          recommended: { feasible: boolean; poolMax: number; minReady: number };
        };
        expect(code).toBe(plan.fits ? 0 : 1);
        if (!plan.recommended.feasible) return;
        const again = capture();
        const { poolMax, minReady } = plan.recommended;
        const applied: PlanFlags = {
          ...given,
          poolSize: undefined,
          maxOverflow: undefined,
          poolMax: String(poolMax),
          minReady: String(minReady),
          json: true,
        };
        expect(await runPlan(applied, again.io, deps)).toBe(0);
        expect(JSON.parse(again.out)).toMatchObject({ recommended: { poolMax, minReady } });
      }),
      { numRuns: 200 },
    );
  });
});
