/**
 * The embedded Postgres helper (also the storm benchmark's database): stop() must finish and delete
 * the data directory when the server has already exited, as it has after a Ctrl-C, which reaches the
 * server along with the process that started it.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './helpers/embedded-postgres.js';
import { waitUntil } from './helpers/wait-until.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startEmbeddedPostgres', () => {
  it('stop() deletes the data directory of a server that has already exited', async () => {
    const server = await startEmbeddedPostgres({ auth: 'trust' });
    const pidFile = await readFile(path.join(server.dataDir, 'postmaster.pid'), 'utf8');
    const pid = Number(pidFile.split('\n')[0]);
    process.kill(pid, 'SIGINT'); // what Ctrl-C sends to the whole process group
    await waitUntil(() => !alive(pid), { message: 'the postmaster exited' });
    await new Promise((resolve) => setImmediate(resolve)); // its exit event is delivered
    await server.stop();
    expect(existsSync(server.dataDir)).toBe(false);
  }, 30_000);
});
