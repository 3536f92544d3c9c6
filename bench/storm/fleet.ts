/**
 * The storm's fleet: N processes of the chat-backend example (`node --import tsx
 * examples/chat-backend/main.ts`), each on its own port, with its JSON log lines collected and its
 * `/readyz` and `/health` polled. Times are `Date.now()` (epoch ms), which the children's log lines
 * share, so both can be put on one time axis.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/common/clock.js';
import { freePort } from '../../test/integration/helpers/free-port.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The program an instance runs: `file` with `args`, in `cwd`. */
export interface FleetCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** The chat-backend example under tsx, what the storm runs. */
export const CHAT_BACKEND: FleetCommand = {
  file: process.execPath,
  args: ['--import', 'tsx', 'examples/chat-backend/main.ts'],
  cwd: ROOT,
};

/** One parsed log line of a child, with its `time` as epoch ms (the example logs ISO strings). */
export interface LogLine {
  readonly time: number;
  readonly event?: string;
  readonly [field: string]: unknown;
}

/** How a child ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The pool figures of the `postgres` component in `/health`. */
export interface PoolFigures {
  readonly open: number;
  readonly target: number;
}

/** One running instance. */
export class FleetInstance {
  /** `Date.now()` just before the process was spawned. */
  readonly spawnedAt: number;
  readonly logs: LogLine[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  /** `Date.now()` when the first `/readyz` poll that answered 200 was sent. */
  readyAt: number | undefined;
  /** `Date.now()` when the first `/health` poll showing `pool.open === pool.target` was sent. */
  warmAt: number | undefined;
  /** The pool figures at {@link FleetInstance.warmAt}. */
  warmPool: PoolFigures | undefined;
  private output = '';
  private partial = '';
  private readonly child: ChildProcess;

  /**
   * Spawns the process. A process that cannot be started (its working directory or program is
   * missing, the system is out of processes) counts as exited with code `null` and signal `null`,
   * the reason in {@link FleetInstance.tail}: Node reports that as an `error` event and never emits
   * `exit`. @throws what `spawn` throws synchronously (an invalid argument or environment).
   */
  constructor(
    readonly name: string,
    readonly port: number,
    env: Readonly<Record<string, string>>,
    command: FleetCommand = CHAT_BACKEND,
  ) {
    this.spawnedAt = Date.now();
    this.child = spawn(command.file, command.args, {
      cwd: command.cwd,
      env: { ...process.env, ...env, PORT: String(port), APP_INSTANCE: name, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.read(chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => {
      const ended = (exit: Exit): void => {
        this.exit ??= exit;
        resolve(this.exit);
      };
      this.child.once('exit', (code, signal) => ended({ code, signal }));
      // Without a listener, a failed spawn would be an uncaught exception of the benchmark (leaving
      // the rest of the fleet and the database running); an error of a running child (a failed
      // kill) is no exit.
      this.child.on('error', (error) => {
        this.output += `\n[spawn] ${error.message}\n`;
        if (this.child.pid === undefined) ended({ code: null, signal: null });
      });
    });
  }

  /** The first log line with `event` (and matching `where`), if any. */
  first(event: string, where: (line: LogLine) => boolean = () => true): LogLine | undefined {
    return this.logs.find((line) => line.event === event && where(line));
  }

  /** The first `orchestrator.component-mark` line named `mark`. */
  mark(mark: string): LogLine | undefined {
    return this.first('orchestrator.component-mark', (line) => line.mark === mark);
  }

  /** The last lines it wrote (for errors). */
  tail(chars = 2000): string {
    return this.output.slice(-chars);
  }

  /** Send a signal, unless it has exited. */
  signal(name: NodeJS.Signals): void {
    if (this.exit === undefined) this.child.kill(name);
  }

  /**
   * GET `path` on the instance; status and body, or status 0 when the request failed (or `signal`
   * aborted it).
   */
  get(
    requestPath: string,
    timeoutMs = 2_000,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: requestPath,
          agent: false,
          timeout: timeoutMs,
          ...(signal ? { signal } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', () => resolve({ status: 0, body: '' }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ status: 0, body: '' }));
      req.end();
    });
  }

  private read(text: string): void {
    this.output += text;
    if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const time = typeof parsed.time === 'string' ? Date.parse(parsed.time) : parsed.time;
        if (typeof time === 'number' && Number.isFinite(time)) this.logs.push({ ...parsed, time });
      } catch {
        // not a log line
      }
    }
  }
}

/**
 * Spawn `count` instances at once, instance i with `env(i)` (its PORT and APP_INSTANCE are added).
 * When one cannot be spawned (`env` or `spawn` throws), those already running are stopped before
 * the error is rethrown: the caller has no handle on them.
 */
export async function spawnFleet(
  count: number,
  env: (index: number) => Readonly<Record<string, string>>,
  command: FleetCommand = CHAT_BACKEND,
): Promise<FleetInstance[]> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const fleet: FleetInstance[] = [];
  try {
    for (const [i, port] of ports.entries()) {
      fleet.push(new FleetInstance(`storm-${i + 1}`, port, env(i), command));
    }
  } catch (error) {
    await stopFleet(fleet);
    throw error;
  }
  return fleet;
}

function postgresPool(body: string): PoolFigures | undefined {
  try {
    const health = JSON.parse(body) as {
      components?: Array<{ name?: string; pool?: PoolFigures }>;
    };
    return health.components?.find((c) => c.name === 'postgres')?.pool;
  } catch {
    return undefined;
  }
}

/** Options of {@link pollReadyAndWarm}. */
export interface PollOptions {
  /** Interval of the `/readyz` polls, ms. @default 50 */
  readonly readyEveryMs?: number;
  /** Interval of the `/health` polls, ms. @default 100 */
  readonly warmEveryMs?: number;
  /** Stops the polling: the promise rejects with its reason. @default none */
  readonly signal?: AbortSignal;
}

/**
 * Poll one instance until it is ready (`/readyz` 200, every `readyEveryMs`) and warm (`/health`
 * shows the postgres pool at its target, every `warmEveryMs`), it exits, or `deadline` (epoch ms)
 * passes. Fills in `readyAt`, `warmAt` and `warmPool`. Rejects with the reason of `signal` as soon
 * as it aborts (an interrupted benchmark stops at once, not at the deadline).
 */
export async function pollReadyAndWarm(
  instance: FleetInstance,
  deadline: number,
  options: PollOptions = {},
): Promise<void> {
  const { readyEveryMs = 50, warmEveryMs = 100, signal } = options;
  const poll = async (requestPath: string): Promise<{ status: number; body: string }> => {
    signal?.throwIfAborted();
    const response = await instance.get(requestPath, 2_000, signal);
    signal?.throwIfAborted();
    return response;
  };
  while (instance.readyAt === undefined && instance.exit === undefined && Date.now() < deadline) {
    const sentAt = Date.now();
    if ((await poll('/readyz')).status === 200) instance.readyAt = sentAt;
    else await systemClock.sleep(readyEveryMs, signal);
  }
  while (instance.warmAt === undefined && instance.exit === undefined && Date.now() < deadline) {
    const sentAt = Date.now();
    const pool = postgresPool((await poll('/health')).body);
    if (pool !== undefined && pool.open === pool.target) {
      instance.warmAt = sentAt;
      instance.warmPool = { open: pool.open, target: pool.target };
    } else {
      await systemClock.sleep(warmEveryMs, signal);
    }
  }
}

/**
 * SIGTERM every instance and wait for them to exit; SIGKILL any still running after `graceMs`.
 * Returns the exits in instance order.
 */
export async function stopFleet(instances: readonly FleetInstance[], graceMs = 15_000): Promise<Exit[]> {
  for (const instance of instances) instance.signal('SIGTERM');
  const all = Promise.all(instances.map((instance) => instance.exited));
  const timer = setTimeout(() => {
    for (const instance of instances) instance.signal('SIGKILL');
  }, graceMs);
  try {
    return await all;
  } finally {
    clearTimeout(timer);
  }
}
