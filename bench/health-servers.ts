/**
 * The servers the health benchmark (health.bench.ts) compares, each in its own process so that the
 * benchmark process and wrk do not take its CPU: `node --import tsx bench/health-servers.ts <kind>`
 * starts one on 127.0.0.1:0 and prints `{"port": n}`; then a line `m` on its stdin marks the start of
 * a measurement and `r` makes it print its CPU time (user + system, µs) since the mark.
 * {@link startServer} is the parent's side of that.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import type { StartupSnapshot } from '../src/orchestrator/snapshot.js';
import { isMain } from './run.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The servers compared. */
export const KINDS = ['bare', 'phasegate', 'phasegate-orchestrator', 'lightship', 'terminus'] as const;
export type Kind = (typeof KINDS)[number];

export const PATHS: Record<Kind, string> = {
  bare: '/readyz',
  phasegate: '/readyz',
  'phasegate-orchestrator': '/readyz',
  lightship: '/ready',
  terminus: '/readyz',
};

export const DESCRIPTIONS: Record<Kind, string> = {
  bare: 'node:http, res.end("ok") on every request',
  phasegate: 'startHealthServer, source returns the same ready snapshot object (identity cache hit)',
  'phasegate-orchestrator':
    'startHealthServer on a started Orchestrator (7 phases x 1 fake component; its snapshot cache checks ~40 fields per probe)',
  lightship:
    'lightship 7.3 /ready after signalReady() (from its TypeScript source: the 7.3 package ships no dist/)',
  terminus: '@godaddy/terminus 4, healthChecks { "/readyz": async () => {} }',
};

/** A ready seven-phase service with one component per phase, as the orchestrator would report it. */
function benchSnapshot(): StartupSnapshot {
  const phases = ['init', 'dependencies', 'database', 'cache', 'services', 'websocket', 'finalize'];
  return {
    status: 'ready',
    availability: 'FULL',
    startedAt: 1_700_000_000_000,
    readyAt: 1_700_000_004_000,
    phases: phases.map((name, i) => ({
      name,
      state: 'done',
      startedAt: 1_700_000_000_000 + i * 500,
      durationMs: 500,
    })),
    components: phases.map((phase, i) => ({
      name: `${phase}-component`,
      phase,
      critical: i !== 3,
      state: 'ready',
      attempts: 1,
      lastError: null,
      breaker: 'closed',
      ...(phase === 'database' ? { pool: { open: 5, target: 12, max: 20 } } : {}),
    })),
    admission: { backend: 'local', waitedMs: 0 },
  };
}

/** Start one `kind` server on 127.0.0.1:0 in this process; resolves with its port. */
async function serve(kind: Kind): Promise<number> {
  switch (kind) {
    case 'bare': {
      const server = createServer((_req, res) => {
        res.end('ok\n');
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      return (server.address() as { port: number }).port;
    }
    case 'phasegate': {
      const { startHealthServer } = await import('../src/health/server.js');
      const snapshot = benchSnapshot();
      const server = await startHealthServer({ snapshot: () => snapshot }, { port: 0, host: '127.0.0.1' });
      return server.port;
    }
    case 'phasegate-orchestrator': {
      const { startHealthServer } = await import('../src/health/server.js');
      const { startedSevenPhaseOrchestrator } = await import('./health-probe-path.js');
      const orchestrator = await startedSevenPhaseOrchestrator();
      const server = await startHealthServer(orchestrator, { port: 0, host: '127.0.0.1' });
      return server.port;
    }
    case 'lightship': {
      // lightship 7.3.0 on npm has no dist/ (its exports point at a missing ./dist/index.js), so load
      // its TypeScript source through tsx, as this benchmark already runs under tsx.
      const entry = join(ROOT, 'node_modules/lightship/src/index.ts');
      const { createLightship } = (await import(pathToFileURL(entry).href)) as {
        createLightship: (c: object) => Promise<{ server: { address(): unknown }; signalReady(): void }>;
      };
      const lightship = await createLightship({
        detectKubernetes: false,
        port: 0,
        signals: [],
        terminate: () => undefined,
      });
      lightship.signalReady();
      return (lightship.server.address() as { port: number }).port;
    }
    case 'terminus': {
      const { createTerminus } = await import('@godaddy/terminus');
      const server = createServer((_req, res) => {
        res.statusCode = 404;
        res.end();
      });
      createTerminus(server, { healthChecks: { '/readyz': async () => undefined }, signals: [] });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      return (server.address() as { port: number }).port;
    }
  }
}

/** A server running in its own process. */
export interface StartedServer {
  readonly kind: Kind;
  readonly port: number;
  /** Mark the start of a measurement. */
  markCpu(): void;
  /** The server's CPU time (user + system) since the mark, in µs. */
  cpuSinceMark(): Promise<number>;
  /** Kill the process (SIGKILL) and wait for it to exit. */
  stop(): Promise<void>;
}

/** Start a `kind` server in a child process, on CPU 1 when `pin` (Linux `taskset`). */
export async function startServer(kind: Kind, pin: boolean): Promise<StartedServer> {
  const self = fileURLToPath(import.meta.url);
  const node = [process.execPath, '--import', 'tsx', self, kind];
  const [command, ...args] = pin ? ['/usr/bin/taskset', '-c', '1', ...node] : node;
  const child: ChildProcess = spawn(command!, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_ok, fail) =>
    child.once('exit', (code) => fail(new Error(`${kind} server exited with ${code}`))),
  );
  exited.catch(() => undefined);
  const nextLine = async (): Promise<string> => {
    const next = await Promise.race([lines.next(), exited]);
    if (next.done === true) throw new Error(`${kind} server closed its output`);
    return next.value;
  };
  const port = (JSON.parse(await nextLine()) as { port: number }).port;
  return {
    kind,
    port,
    markCpu: () => void child.stdin!.write('m\n'),
    async cpuSinceMark() {
      child.stdin!.write('r\n');
      const cpu = JSON.parse(await nextLine()) as { user: number; system: number };
      return cpu.user + cpu.system;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGKILL');
      await gone;
    },
  };
}

if (isMain(import.meta.url)) {
  const kind = process.argv[2] as Kind;
  if (!KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}; use one of ${KINDS.join(', ')}`);
  const port = await serve(kind);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  let mark = process.cpuUsage();
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (data: string) => {
    if (data.includes('m')) mark = process.cpuUsage();
    if (data.includes('r')) process.stdout.write(`${JSON.stringify(process.cpuUsage(mark))}\n`);
  });
}
