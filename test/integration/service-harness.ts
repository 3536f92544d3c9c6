/**
 * Runs the chat-backend example as a child process (`node --import tsx examples/chat-backend/main.ts`)
 * for the service-level integration tests, and a TCP proxy the tests control to make a database
 * "go away" and "come back".
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { freePort } from './helpers/free-port.js';
import { waitUntil } from './helpers/wait-until.js';
import { databaseUrl, uniqueName, withAdmin, withCredentials } from './helpers/database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** How a child process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `Date.now()` when the parent saw it. */
  readonly at: number;
}

/** An HTTP answer. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** One running instance of the example. */
export interface ChatInstance {
  readonly child: ChildProcess;
  readonly port: number;
  /** APP_INSTANCE, also its Postgres application_name. */
  readonly instance: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Whether it has exited. */
  readonly hasExited: () => boolean;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Its JSON log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Log lines with `event === name`. */
  events(name: string): Array<Record<string, unknown>>;
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  /** GET `path`; the status, or 0 when the connection failed. */
  status(path: string): Promise<number>;
  /** Wait until GET `path` answers `status` (bounded). */
  waitFor(path: string, status: number, timeoutMs?: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

export interface RequestOptions {
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly host?: string;
}

const running = new Set<ChatInstance>();
const dataDirs = new Set<string>();

/**
 * Start one instance with `env` on top of test defaults (a free PORT, a unique APP_INSTANCE, a
 * temporary DATA_DIR, LOG_LEVEL=debug, short drain and health-check intervals).
 */
export async function startChat(env: Record<string, string | undefined>): Promise<ChatInstance> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const instance = env.APP_INSTANCE ?? uniqueName('chat');
  const dataDir = env.DATA_DIR ?? path.join(os.tmpdir(), `phasegate-chat-${randomBytes(4).toString('hex')}`);
  dataDirs.add(dataDir);
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({
    ...process.env,
    PORT: String(port),
    APP_INSTANCE: instance,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    DRAIN_DELAY_MS: '200',
    GRACE_PERIOD_MS: '10000',
    HEALTH_CHECK_INTERVAL_MS: '300',
    NO_COLOR: '1',
    ...env,
  })) {
    if (value !== undefined) childEnv[key] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/chat-backend/main.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal, at: Date.now() });
    });
  });

  const logs = (): Array<Record<string, unknown>> =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });

  const doRequest = (method: string, requestPath: string, options: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: options.host ?? '127.0.0.1',
          port,
          path: requestPath,
          method,
          agent: false,
          headers: options.headers,
          timeout: 5_000,
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(options.body);
    });

  const status = (requestPath: string): Promise<number> =>
    doRequest('GET', requestPath).then(
      (reply) => reply.status,
      () => 0,
    );

  const chat: ChatInstance = {
    child,
    port,
    instance,
    exited,
    hasExited: () => done,
    output: () => out,
    logs,
    events: (name) => logs().filter((line) => line.event === name),
    request: doRequest,
    status,
    waitFor: async (requestPath, expected, timeoutMs = 30_000) => {
      await waitUntil(
        async () => {
          if (done) throw new Error(`the instance exited:\n${out.slice(-3000)}`);
          return (await status(requestPath)) === expected;
        },
        { timeoutMs, intervalMs: 100, message: `GET ${requestPath} = ${expected}` },
      );
    },
    signal: (name) => {
      if (!done) child.kill(name);
    },
  };
  running.add(chat);
  void exited.then(() => running.delete(chat));
  return chat;
}

/** Kill every instance still running (SIGKILL) and remove their data directories. For `afterEach`. */
export async function stopAllChats(): Promise<void> {
  const left = [...running];
  for (const chat of left) chat.child.kill('SIGKILL');
  await Promise.all(left.map((chat) => chat.exited));
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  dataDirs.clear();
}

/** Milliseconds from the instance's `orchestrator.startup-start` log line to its exit. */
export function startupToExitMs(chat: ChatInstance, exit: Exit): number {
  const start = chat.events('orchestrator.startup-start')[0];
  if (!start) throw new Error(`no startup-start line:\n${chat.output()}`);
  return exit.at - Date.parse(String(start.time));
}

/** The instance's connections the server holds right now (by application_name). */
export function connectionsOf(instance: string): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [instance],
    );
    return rows[0]!.n;
  });
}

/**
 * Resolves once the server shows none of the instance's connections; rejects after `timeoutMs`. For
 * the check after an instance has exited: a backend whose client has closed its connection leaves
 * `pg_stat_activity` a moment later (it has to read the EOF and exit), which under load took longer
 * than the one query the tests made right after the exit (seen as 1 instead of 0 in a loaded run).
 */
export async function noConnectionsOf(instance: string, timeoutMs = 5_000): Promise<void> {
  let last = -1;
  await waitUntil(
    async () => {
      last = await connectionsOf(instance);
      return last === 0;
    },
    { timeoutMs, message: `no connection of ${instance}` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last count ${last}`);
  });
}

/**
 * A login role with `CONNECTION LIMIT limit` (or none) and a schema of its own (named after it, so
 * the example's unqualified `messages` table lands there: `search_path` starts with `"$user"`).
 */
export async function roleWithSchema(
  connectionLimit?: number,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  // Not helpers' createTemporaryRole: its `pg_role_` prefix is reserved for system roles.
  const name = uniqueName('chat_role');
  const password = randomBytes(9).toString('hex');
  await withAdmin(async (client) => {
    const role = client.escapeIdentifier(name);
    await client.query(
      `CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)} CONNECTION LIMIT ${connectionLimit ?? -1}`,
    );
    await client.query(`CREATE SCHEMA ${role} AUTHORIZATION ${role}`);
  });
  return {
    name,
    url: withCredentials(databaseUrl(), name, password),
    drop: () =>
      withAdmin(async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
          name,
        ]);
        await client.query(`DROP OWNED BY ${client.escapeIdentifier(name)} CASCADE`);
        await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(name)}`);
      }),
  };
}

/**
 * A TCP proxy on 127.0.0.1 that the test switches between refusing (accept, then reset at once:
 * the database is "down") and forwarding to `target`, optionally only the next few connections
 * (later ones are accepted and never answered: a connect that hangs).
 */
export class TcpProxy {
  private mode: 'refuse' | 'forward' | 'reset-on-data' = 'refuse';
  /** New connections still to forward; past them, new ones hang. */
  private forwardsLeft = Infinity;
  private readonly sockets = new Set<net.Socket>();
  /** Forwarded connections, each as its two sockets. */
  private readonly pairs = new Set<readonly [net.Socket, net.Socket]>();
  private readonly server = net.createServer((client) => this.accept(client));

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(proxy.port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** A proxy in front of the server `url` points at (`defaultPort` when the URL names none). */
  static async before(url: string, defaultPort: number): Promise<TcpProxy> {
    const parsed = new URL(url);
    return TcpProxy.start({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
  }

  /** `url` rewritten to go through the proxy. */
  via(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** From now on, forward new connections (only the next `count` of them; later ones hang). */
  forward(count = Infinity): void {
    this.mode = 'forward';
    this.forwardsLeft = count;
  }

  /** From now on, reset new connections, and cut every open one. */
  refuse(): void {
    this.mode = 'refuse';
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /**
   * From now on, accept new connections and reset each when its first bytes arrive (a client's
   * handshake met by a dying server or a proxy in front of a dead one), and cut every open one.
   */
  resetOnData(): void {
    this.refuse();
    this.mode = 'reset-on-data';
  }

  /**
   * Stop carrying data on every connection forwarded so far, in both directions, and keep them open:
   * a network path that went dark (no reply, no reset). New connections are handled as before.
   */
  stallOpen(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.refuse();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'reset-on-data') {
      this.sockets.add(client);
      client.once('data', () => client.resetAndDestroy());
      client.on('error', () => client.destroy()).on('close', () => this.sockets.delete(client));
      return;
    }
    if (this.forwardsLeft <= 0) {
      this.sockets.add(client);
      client.on('error', () => client.destroy()).on('close', () => this.sockets.delete(client));
      return;
    }
    this.forwardsLeft--;
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const pair = [client, upstream] as const;
    this.pairs.add(pair);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      this.pairs.delete(pair);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
