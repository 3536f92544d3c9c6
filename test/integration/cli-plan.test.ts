/**
 * The `phasegate` command line as a user runs it: a separate process, real exit codes, a real Postgres
 * for `--database-url` (see cli-process.ts: the build when there is one, else the source).
 */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIST,
  REPO,
  fromDist,
  runPhasegate,
  runPhasegateWithClosedStdout,
  type CliRun,
} from './cli-process.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const phasegate = (...args: string[]): Promise<CliRun> => runPhasegate(args);

/** The test database URL with a password added, to prove it never reaches the output (trust auth ignores it). */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'phasegate-cli-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe(`phasegate CLI (${fromDist ? 'dist/cli/main.js' : 'src via tsx'})`, () => {
  it('--help lists the plan command and exits 0', async () => {
    const run = await phasegate('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: phasegate');
    expect(run.stdout).toContain('plan');
  });

  it('a reader that closes the pipe early (| head) ends nothing but the output: own exit code, no stack trace', async () => {
    const help = await runPhasegateWithClosedStdout(['plan', '--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    const overcommitted = await runPhasegateWithClosedStdout([
      'plan',
      ...['--instances', '2', '--pool-size', '20', '--max-overflow', '30', '--max-connections', '100'],
    ]);
    expect(overcommitted).toMatchObject({ code: 1, stderr: '' });
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const run = await phasegate('--version');
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it.runIf(fromDist)('the built bin starts with a node shebang', () => {
    expect(readFileSync(DIST, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('the incident: 2 × (20 + 30) against 100 − 3 does not fit, exit 1', async () => {
    const run = await phasegate(
      'plan',
      '--instances',
      '2',
      '--pool-size',
      '20',
      '--max-overflow',
      '30',
      '--max-connections',
      '100',
      '--reserved',
      '3',
      '--json',
    );
    expect(run.code).toBe(1);
    const plan = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(plan).toMatchObject({
      fits: false,
      peakConnections: 100,
      availableConnections: 97,
      overcommittedBy: 3,
      perInstanceFairShare: 48,
      recommended: { poolMax: 46, minReady: 12, admissionWidth: 2 },
    });
  });

  it('the recommended numbers fit: exit 0, and the human table says so', async () => {
    const run = await phasegate(
      'plan',
      '--instances',
      '2',
      '--pool-max',
      '46',
      '--max-connections',
      '100',
      '--reserved',
      '3',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/verdict\s+FITS/);
  });

  it('bad input exits 78 and names the flag', async () => {
    const run = await phasegate('plan', '--instances', 'many', '--pool-max', '5', '--max-connections', '100');
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('--instances');
    const unknown = await phasegate('plan', '--pool', '5');
    expect(unknown.code).toBe(78);
  });

  it('--file reads YAML, and a wrong key is reported with its path', async () => {
    const good = join(workDir, 'plan.yaml');
    await writeFile(
      good,
      'instances: 3\nmaxInstances: 4\npool:\n  poolSize: 10\n  maxOverflow: 5\nmaxConnections: 100\nprobe: { periodSeconds: 10, failureThreshold: 6 }\n',
    );
    const run = await phasegate('plan', '--file', good, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      peakConnections: 60,
      recommended: { startupBudgetMs: 48_000 },
    });

    const bad = join(workDir, 'bad.yaml');
    await writeFile(bad, 'instances: 3\npool:\n  poolSize: ten\n');
    const failed = await phasegate('plan', '--file', bad);
    expect(failed.code).toBe(78);
    expect(failed.stderr).toContain(`${bad}: pool.poolSize`);
  });

  it('--database-url reads the live limits from Postgres and never prints the password', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ max: number; reserved: number }>(
      `SELECT current_setting('max_connections')::int AS max,
              current_setting('superuser_reserved_connections')::int AS reserved`,
    );
    await client.end();
    const url = withPassword(DATABASE_URL, 'sup3rs3cret');
    const run = await phasegate(
      'plan',
      '--instances',
      '2',
      '--pool-max',
      '5',
      '--database-url',
      url,
      '--json',
    );
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      live: { maxConnections: number; superuserReserved: number; database: string };
    };
    expect(plan.live.maxConnections).toBe(rows[0]!.max);
    expect(plan.live.superuserReserved).toBe(rows[0]!.reserved);
    expect(plan.live.database).toContain(':***@');
    const table = await phasegate('plan', '--instances', '2', '--pool-max', '5', '--database-url', url);
    expect(run.stdout + run.stderr + table.stdout + table.stderr).not.toContain('sup3rs3cret');
  });

  it('--database-url reads a Unix socket URL with an empty host (postgres://user@/db?host=/dir), as pg does', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ max: number; user: string; db: string }>(
      `SELECT current_setting('max_connections')::int AS max, current_user AS user, current_database() AS db`,
    );
    await client.end();
    // The test server may listen on TCP only (the embedded one does): a Unix socket in a temporary
    // directory, named as pg looks for it, forwards to it.
    const server = new URL(DATABASE_URL);
    const dir = await mkdtemp(join(tmpdir(), 'phasegate-socket-'));
    const forward = createServer((socket) => {
      const upstream = connect(Number(server.port || 5432), server.hostname);
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => forward.listen(join(dir, '.s.PGSQL.5432'), resolve));
    try {
      const url = `postgres://${rows[0]!.user}@/${rows[0]!.db}?host=${dir}`;
      const run = await phasegate(
        'plan',
        '--instances',
        '2',
        '--pool-max',
        '5',
        '--database-url',
        url,
        '--json',
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect((JSON.parse(run.stdout) as { live: { maxConnections: number } }).live.maxConnections).toBe(
        rows[0]!.max,
      );
    } finally {
      forward.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("--database-url counts the role's CONNECTION LIMIT and its sessions: a fleet the server fits but the role does not is overcommitted", async () => {
    const role = `phasegate_plan_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    const asRole = new URL(DATABASE_URL);
    asRole.username = role;
    asRole.password = 'sup3rs3cret';
    const held = new pg.Client({ connectionString: asRole.toString() });
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 6`);
      await held.connect(); // one of the role's 6 is taken by someone else
      const run = await phasegate(
        'plan',
        ...['--instances', '2', '--pool-max', '3', '--database-url', asRole.toString(), '--json'],
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({
        fits: false,
        limitedBy: 'role',
        availableConnections: 5,
        overcommittedBy: 1,
        live: { roleConnectionLimit: 6, roleOtherClients: 1 },
      });
      const fits = await phasegate(
        'plan',
        ...['--instances', '1', '--pool-max', '5', '--database-url', asRole.toString()],
      );
      expect(fits.code).toBe(0);
      expect(fits.stdout).toContain('role connection limit 6 (1 in use)');
      expect(run.stdout + fits.stdout + fits.stderr).not.toContain('sup3rs3cret');
    } finally {
      await held.end().catch(() => undefined);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });

  it("the README's `phasegate plan` commands, against its ```yaml plan file, give a verdict (0 or 1), not bad input", async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const planFile = /```yaml\n(instances:[\s\S]*?)```/.exec(readme)?.[1];
    expect(planFile, 'README has a ```yaml block starting with instances:').toBeDefined();
    const file = join(workDir, 'readme-plan.yaml');
    await writeFile(file, planFile!);
    const commands = [...readme.matchAll(/^npx phasegate plan (.*)$/gm)].map((m) =>
      m[1]!.replace(/#.*$/, '').trim().split(/\s+/),
    );
    expect(commands.some((args) => args.includes('--file'))).toBe(true);
    for (const args of commands) {
      const run = await phasegate(
        'plan',
        ...args.map((arg) => (arg === 'plan.yaml' ? file : arg === '"$DATABASE_URL"' ? DATABASE_URL : arg)),
      );
      expect([0, 1], `phasegate plan ${args.join(' ')}: ${run.stderr}`).toContain(run.code);
    }
  });

  it('--database-url that cannot be reached exits 3 with a redacted message', async () => {
    const run = await phasegate(
      'plan',
      '--instances',
      '2',
      '--pool-max',
      '5',
      '--database-url',
      'postgres://app:sup3rs3cret@127.0.0.1:1/app',
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('postgres://app:***@127.0.0.1:1/app');
    expect(run.stderr).not.toContain('sup3rs3cret');
  });

  it('--database-url naming a certificate file that is not there exits 78 and names the parameter', async () => {
    const url = withPassword(DATABASE_URL, 'sup3rs3cret');
    const missing = join(workDir, 'no-such-ca.pem');
    const run = await phasegate(
      ...['plan', '--instances', '2', '--pool-max', '5', '--database-url'],
      `${url}?sslmode=verify-full&sslrootcert=${missing}`,
    );
    expect(run.code, run.stderr).toBe(78);
    expect(run.stderr).toContain(`sslrootcert=${missing}`);
    expect(run.stderr).toContain('no such file or directory');
    expect(run.stderr).not.toContain('could not be reached');
    expect(run.stderr).not.toContain('sup3rs3cret');
  });
});
