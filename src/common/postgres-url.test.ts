import { describe, expect, it } from 'vitest';
import { checkPostgresUrlOption, postgresUrlParts } from './postgres-url.js';

describe('postgresUrlParts', () => {
  it('reads user, host, port and database', () => {
    expect(postgresUrlParts('postgres://app:hunter2@db.internal:6432/orders?sslmode=require')).toMatchObject({
      user: 'app',
      host: 'db.internal',
      port: 6432,
      database: 'orders',
    });
  });

  it('reads a user with an empty host, as pg does (a Unix socket in ?host=)', () => {
    const parts = postgresUrlParts('postgres://app@/orders?host=/run/postgresql');
    expect(parts).toMatchObject({
      user: 'app',
      host: '/run/postgresql',
      port: undefined,
      database: 'orders',
    });
    expect(postgresUrlParts('postgresql://app:pw@/orders').host).toBeUndefined();
  });

  it('lets ?host= and ?port= override the URL, as pg does', () => {
    expect(postgresUrlParts('postgres:///orders?host=/tmp&port=5433')).toMatchObject({
      user: undefined,
      host: '/tmp',
      port: 5433,
      database: 'orders',
    });
  });

  it('throws for what does not parse either way', () => {
    expect(() => postgresUrlParts('postgres://app:pw@db:99999/x')).toThrow(TypeError);
    expect(() => postgresUrlParts('host=db user=app')).toThrow(TypeError);
  });
});

describe('checkPostgresUrlOption', () => {
  const hint = 'e.g. postgres://app@db:5432/orders';

  it('accepts what pg reads, the empty-host socket form included', () => {
    for (const url of [
      'postgres://app@db/orders',
      'postgresql://app@/orders?host=/run/postgresql',
      'postgres:///x',
    ]) {
      expect(checkPostgresUrlOption('DATABASE', url, hint)).toBe(url);
    }
  });

  it.each([
    [42, 'DATABASE: must be a URL, got number'],
    ['  ', 'DATABASE: is empty'],
    ['mysql://app@db/x', 'DATABASE: must be a postgres:// or postgresql:// URL, not mysql://'],
    ['postgres://app:s3cret@db:99999/x', 'DATABASE: is not a valid URL: postgres://app:***@db:99999/x'],
    ['postgres://app:s3cret@db1:5432,db2:5432/x', 'DATABASE: is not a valid URL'],
  ])('refuses %j naming the setting, without the password', (value, message) => {
    let error: unknown;
    try {
      checkPostgresUrlOption('DATABASE', value, hint);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path: 'DATABASE', hint });
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
