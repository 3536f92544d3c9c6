import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/index.js';
import { isConfigError } from '../../src/index.js';
import { describeConfig, loadConfig } from './config.js';

function configError(env: Record<string, string>): { path: string; message: string; exit: number } {
  try {
    loadConfig(env);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    return { path: error.path, message: error.message, exit: exitCodeFor(error) };
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      redisUrl: undefined,
      port: 8080,
      startupMode: 'deterministic',
      startupBudgetMs: 60_000,
      dbPoolMax: 10,
      dbPoolMinReady: 2,
      fleetSize: 1,
      fleetAdmission: 'postgres',
      instance: `chat-backend-${process.pid}`,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:pw@db:5432/app',
      REDIS_URL: 'redis://cache:6379',
      PORT: '3000',
      STARTUP_MODE: 'graceful',
      STARTUP_BUDGET_MS: '90000',
      DB_POOL_MAX: '8',
      DB_POOL_MIN_READY: '1',
      FLEET_SIZE: '8',
      FLEET_ADMISSION: 'redis',
      APP_INSTANCE: 'chat-7',
    });
    expect(config).toMatchObject({
      port: 3000,
      startupMode: 'graceful',
      startupBudgetMs: 90_000,
      dbPoolMax: 8,
      dbPoolMinReady: 1,
      fleetSize: 8,
      fleetAdmission: 'redis',
      instance: 'chat-7',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ STARTUP_MODE: 'fast' }, 'STARTUP_MODE'],
    [{ STARTUP_BUDGET_MS: '-5' }, 'STARTUP_BUDGET_MS'],
    [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX'],
    [{ DB_POOL_MAX: '4', DB_POOL_MIN_READY: '5' }, 'DB_POOL_MIN_READY'],
    [{ FLEET_SIZE: '1.5' }, 'FLEET_SIZE'],
    [{ PORT: '1e3' }, 'PORT'], // not 1000: a typo is not a number
    [{ STARTUP_BUDGET_MS: '0x10' }, 'STARTUP_BUDGET_MS'],
    [{ FLEET_ADMISSION: 'zookeeper' }, 'FLEET_ADMISSION'],
    [{ FLEET_ADMISSION: 'redis' }, 'FLEET_ADMISSION'],
    [{ DATABASE_URL: 'mysql://db' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
  ])('rejects %j with a ConfigError naming %s, and exit code 78', (env, variable) => {
    const error = configError(env);
    expect(error.path).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain('fix:');
    expect(error.exit).toBe(78);
  });

  it('never puts a password from a bad URL into the error or the description', () => {
    const error = configError({ DATABASE_URL: 'postgres://app:s3cretpw@db:5432/app with space' });
    expect(error.message).not.toContain('s3cretpw');
    const described = JSON.stringify(
      describeConfig(
        loadConfig({ DATABASE_URL: 'postgres://app:s3cretpw@db:5432/app', HEALTH_TOKEN: 'x'.repeat(32) }),
      ),
    );
    expect(described).not.toContain('s3cretpw');
    expect(described).not.toContain('x'.repeat(32));
  });

  it.each([
    // The space (or a second @) that makes the URL invalid is inside the password.
    [{ DATABASE_URL: 'postgres://app:hunter2 x@db:5432/app' }, 'hunter2'],
    [{ DATABASE_URL: 'postgres://app:p@ss zebra@db/app' }, 'zebra'],
    [{ DATABASE_URL: 'postgres://app:hunter2 @db/app' }, 'hunter2'],
    [{ REDIS_URL: 'redis://:sec ret@cache:6379' }, 'sec ret'],
    [{ REDIS_URL: 'rediss://default:tls pw@cache:6380' }, 'tls pw'],
    // A token too short or with a space is still a token.
    [{ HEALTH_TOKEN: 'short-secret-1' }, 'short-secret-1'],
    [{ HEALTH_TOKEN: 'my secret token value 1234' }, 'secret token'],
  ])('shows no secret of the invalid value %j', (env, secret) => {
    const error = configError(env);
    expect(error.path).toBe(Object.keys(env)[0]);
    expect(error.message).not.toContain(secret);
  });

  it.each([
    ['DATABASE_URL', 'postgres://app:s3cretpw@db:99999/app'],
    ['DATABASE_URL', 'postgres://app:s3cretpw@db:port/app'],
    ['DATABASE_URL', 'postgres://app:s3cretpw@db1:5432,db2:5432/app'],
    ['REDIS_URL', 'redis://:s3cretpw@cache:65536'],
  ])('refuses a %s that the driver could not parse (%s), before anything starts', (variable, url) => {
    const error = configError({ [variable]: url });
    expect(error.path).toBe(variable);
    expect(error.message).toContain('must be a valid URL (one host, and a port of at most 65535)');
    expect(error.message).not.toContain('s3cretpw');
    expect(error.exit).toBe(78);
  });

  it.each([
    'postgres://app@/app?host=/var/run/postgresql', // a Unix socket: pg reads an empty host
    'postgres:///app?host=/tmp',
    'postgresql://app:p%40ss@[::1]:5432/app',
    'postgres://app:p@ss@db/app', // an unencoded @ in the password
  ])('accepts the DATABASE_URL %s, which the pg driver reads', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('still shows where an invalid URL points, to help fix it', () => {
    const error = configError({ DATABASE_URL: 'postgres://app:hunter2 x@db.internal:5432/app' });
    expect(error.message).toContain('db.internal:5432/app');
    expect(configError({ HEALTH_TOKEN: 'short-secret-1' }).message).toContain('14 characters');
  });
});
