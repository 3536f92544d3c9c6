import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './free-port.js';
import { probeRedis } from './redis-probe.js';
import { waitUntil } from './wait-until.js';

/** A `redis-server` the test run started, on a free port of 127.0.0.1, with no persistence. */
export interface TestRedisServer {
  readonly url: string;
  readonly port: number;
  /** Stop the server and wait for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Start `redis-server` from the PATH for the test run (the way the Postgres tests start an embedded
 * Postgres when no server is given), and wait until it answers PING, at most `timeoutMs`.
 * `extraArgs` are appended to its command line (e.g. `--enable-debug-command yes`).
 *
 * @returns The server, or `undefined` when no `redis-server` is installed.
 * @throws When it is installed but does not come up in time (its output is in the message).
 */
export async function startRedisServer(
  timeoutMs = 10_000,
  extraArgs: readonly string[] = [],
): Promise<TestRedisServer | undefined> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const spawned = await Promise.race([
    once(child, 'spawn').then(() => true),
    once(child, 'error').then(([error]) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }),
  ]);
  if (!spawned) return undefined;
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => (await probeRedis(url, 500)) === null, {
      timeoutMs,
      message: `redis-server on port ${port} answering PING`,
    });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; its output: ${output.trim() || '(none)'}`);
  }
  return { url, port, stop };
}
