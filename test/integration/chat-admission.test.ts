/**
 * The chat-backend example warms its pool under the admission width `phasegate plan` recommends for
 * its FLEET_SIZE, DB_POOL_MAX and DB_POOL_MIN_READY against the live server's max_connections and
 * reserved slots.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.js';
import { databaseUrl, withAdmin } from './helpers/database.js';
import { waitUntil } from './helpers/wait-until.js';
import { startChat, stopAllChats } from './service-harness.js';

afterEach(stopAllChats);

async function cliPlan(command: string): Promise<{ recommended: { admissionWidth: number } }> {
  let out = '';
  const io: CliIo = { out: (text) => void (out += text), err: (text) => void (out += text), exit: () => {} };
  await main(['node', ...command.split(' '), '--json'], io);
  return JSON.parse(out) as { recommended: { admissionWidth: number } };
}

describe('the example admission width', () => {
  it('is what `phasegate plan` prints for its settings and the live server limits', async () => {
    const chat = await startChat({
      DATABASE_URL: databaseUrl(),
      FLEET_SIZE: '3',
      DB_POOL_MAX: '4',
      DB_POOL_MIN_READY: '1',
      FLEET_ADMISSION: 'postgres',
    });
    await chat.waitFor('/readyz', 200);
    await waitUntil(() => chat.events('chat.admission-width').length > 0, {
      message: 'the width is planned when the pool asks for a slot',
    });
    const [line] = chat.events('chat.admission-width') as Array<{
      width: number;
      source: string;
      limits: { maxConnections: number; reserved: number };
      command: string;
    }>;
    const server = await withAdmin(async (client) => {
      const { rows } = await client.query<{ max: number; reserved: number }>(
        `SELECT current_setting('max_connections')::int AS max,
                current_setting('superuser_reserved_connections')::int
                  + coalesce(current_setting('reserved_connections', true), '0')::int AS reserved`,
      );
      return rows[0]!;
    });
    expect(line!.source).toBe('server');
    expect(line!.limits).toEqual({ maxConnections: server.max, reserved: server.reserved });
    expect(line!.command).toBe(
      `phasegate plan --instances 3 --pool-max 4 --min-ready 1 --max-connections ${server.max} --reserved ${server.reserved}`,
    );
    expect((await cliPlan(line!.command)).recommended.admissionWidth).toBe(line!.width);
    expect(chat.events('chat.admission-limits-unavailable')).toEqual([]);
  });
});
