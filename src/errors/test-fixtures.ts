/**
 * Test fixtures for the error classification tests: real errors, as Node produces them, that a
 * test cannot make with an ordinary call.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The user and group `nobody`, which a root test process connects as (root ignores file modes). */
const NOBODY = 65534;

/** A `connect` to a path, run as `nobody`; the error it ended with, as JSON on standard output. */
const CONNECT_AS_NOBODY = `
require('node:net').connect({ path: process.argv[1] }).on('error', (e) => {
  process.stdout.write(JSON.stringify({ ...e, message: e.message }));
});`;

/**
 * The error of connecting to a Unix socket whose mode is 000 (`connect EACCES <path>`), as a
 * service whose user the socket does not let in gets it. A root process, which file modes do not
 * stop, connects from a child process running as `nobody`, and the child's error is rebuilt here
 * from its own fields (`code`, `errno`, `syscall`, `address`, `message`).
 */
export async function deniedSocketError(): Promise<Error> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'phasegate-denied-'));
  const socketPath = path.join(dir, 's.sock');
  const server = net.createServer((connection) => connection.end());
  try {
    await chmod(dir, 0o755);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    await chmod(socketPath, 0);
    if (process.getuid?.() !== 0) {
      return await new Promise<Error>((resolve) => net.connect({ path: socketPath }).on('error', resolve));
    }
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['-e', CONNECT_AS_NOBODY, socketPath],
        { uid: NOBODY, gid: NOBODY, timeout: 10_000 },
        (error, out) => (error ? reject(error) : resolve(out)),
      );
    });
    const { message, ...fields } = JSON.parse(stdout) as { message: string };
    return Object.assign(new Error(message), fields);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
}
