import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { PostgresAdmission } from './postgres-admission.js';

function constructionError(connection: unknown): unknown {
  try {
    new PostgresAdmission({ width: 1, connection: connection as string });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('PostgresAdmission connection', () => {
  it.each<[string, unknown, string]>([
    // Empty or blank, pg would fall back to PGHOST/PGUSER and take its locks on another server.
    ['empty', '', 'admission.connection'],
    ['blank', '  ', 'admission.connection'],
    ['not a URL, with a password', 'host=db password=hunter2', 'admission.connection'],
    ['another scheme, with a password', 'mysql://app:hunter2@db/app', 'admission.connection'],
    ['unparseable, with a password', 'postgres://app:hunter2@[bad', 'admission.connection'],
    ['a number', 42, 'admission.connection'],
    ['null', null, 'admission.connection'],
    ['an array', ['postgres://db/app'], 'admission.connection'],
    [
      'a config with an empty connectionString',
      { connectionString: '' },
      'admission.connection.connectionString',
    ],
    [
      'a config with a non-URL connectionString',
      { connectionString: 'mysql://app:hunter2@db/app' },
      'admission.connection.connectionString',
    ],
  ])('refuses a connection that is %s up front, with a ConfigError naming it', (_, connection, path) => {
    const error = constructionError(connection);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path });
    expect((error as Error).message).toContain('postgres://');
    expect(JSON.stringify({ ...(error as object) }) + (error as Error).message).not.toContain('hunter2');
  });

  it('accepts a postgres URL or a pg client config without connecting', () => {
    for (const connection of [
      'postgres://app:pw@db.internal:5432/app',
      'postgresql://db.internal/app?sslmode=require',
      { host: 'db.internal', database: 'app' },
      { connectionString: 'postgres://db.internal/app', application_name: 'x' },
    ]) {
      expect(constructionError(connection)).toBeUndefined();
    }
  });
});
