import { get } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { fakeComponent, type FakeComponent } from '../testing/fake-component.js';
import type { PlanInput } from '../orchestrator/plan.js';
import type { StartupSnapshot } from '../orchestrator/snapshot.js';
import { runService, type RunningService } from './run-service.js';
import { resolveRunServiceOptions, type RunServiceOptionsInput } from './run-service-options.js';
import { runServiceHarness as harness, type RunServiceHarness as Harness } from './test-fixtures.js';

const SECRET = 'pw-Zq81hunter';

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

function text(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Let real I/O and promise callbacks run (no virtual time passes). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function plan(...phases: Array<[string, FakeComponent[]]>): PlanInput {
  return { phases: phases.map(([name, components]) => ({ name, components })) };
}

let service: RunningService | undefined;
let h: Harness;

afterEach(async () => {
  // Never leave a server or a timer behind, even when a test failed half-way.
  if (service && service.state !== 'exited') {
    void service.shutdown('SIGTERM');
    await h.clock.advance(60_000);
  }
  await service?.exited;
  service = undefined;
});

describe('runService: startup and clean stop', () => {
  it('serves /livez at once, keeps /startupz and /readyz at 503 while starting, then runs and stops cleanly', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, startMs: 500, log: h.log });
    const api = fakeComponent({ name: 'api', clock: h.clock, log: h.log });
    let listened = 0;
    service = runService(
      plan(['database', [db]], ['services', [api]]),
      h.options({ listen: () => void listened++ }),
    );
    const port = (await service.listening)!;

    expect(await status(port, '/livez')).toBe(200);
    expect(await status(port, '/startupz')).toBe(503);
    expect(await status(port, '/readyz')).toBe(503);
    expect(await status(port, '/messages')).toBe(503);

    await h.clock.advance(500);
    await until(() => service!.state === 'running', 'running');
    expect(listened).toBe(1);
    expect(await status(port, '/startupz')).toBe(200);
    expect(await status(port, '/readyz')).toBe(200);
    expect(await status(port, '/anything')).toBe(404);
    expect(h.output()).toContain('database'); // the waterfall was printed

    h.proc.emit('SIGTERM');
    await until(() => service!.state === 'stopping', 'stopping');
    // Draining: not ready, still live, still serving.
    expect(await status(port, '/readyz')).toBe(503);
    expect(await status(port, '/livez')).toBe(200);
    expect(h.exits).toEqual([]);

    await h.clock.advance(1_000);
    expect(await service.exited).toBe(0);
    expect(h.exits).toEqual([0]);
    expect(h.log.filter((e) => e.startsWith('stop:'))).toEqual(['stop:api', 'stop:db']);
    for (const event of ['SIGTERM', 'SIGINT', 'unhandledRejection', 'uncaughtException']) {
      expect(h.proc.listenerCount(event)).toBe(0);
    }
    expect(h.clock.pending).toBe(0);
    await expect(status(port, '/livez')).rejects.toThrow();
  });

  it('keeps /readyz at 503 until listen has finished, then closes what listen returned before stopping components', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
    let release!: () => void;
    const listening = new Promise<void>((resolve) => (release = resolve));
    const held: StartupSnapshot[] = [];
    service = runService(
      plan(['database', [db]]),
      h.options({
        drainDelayMs: 0,
        listen: async (ctx) => {
          ctx.mount((_req, res) => res.end('app'));
          held.push(ctx.snapshot(), ctx.snapshot());
          await listening;
          return { close: () => void h.log.push('close:listener') };
        },
      }),
    );
    const port = (await service.listening)!;
    await until(() => service!.state === 'listening', 'listen called');
    expect(await status(port, '/readyz')).toBe(503);
    expect(await status(port, '/startupz')).toBe(503);
    // Held back as starting, and the same object while nothing changes (the handler's cache key).
    expect(held[0]).toMatchObject({ status: 'starting', readyAt: null });
    expect(held[1]).toBe(held[0]);
    release();
    await until(() => service!.state === 'running', 'running');
    expect(await status(port, '/readyz')).toBe(200);
    expect(service.orchestrator!.snapshot()).toMatchObject({ status: 'ready' });

    expect(await service.shutdown('SIGINT')).toBe(0);
    expect(h.log.slice(-2)).toEqual(['close:listener', 'stop:db']);
  });

  it('mounts the health endpoints into your own server, in front of its handler, which gets traffic once started', async () => {
    h = harness();
    const { createServer } = await import('node:http');
    const app = createServer((_req, res) => res.writeHead(202).end('app'));
    const db = fakeComponent({ name: 'db', clock: h.clock, startMs: 100 });
    service = runService(plan(['database', [db]]), h.options({ server: app }));
    const port = (await service.listening)!;
    expect(await status(port, '/orders')).toBe(503);
    expect(await status(port, '/livez')).toBe(200);
    await h.clock.advance(100);
    await until(() => service!.state === 'running', 'running');
    expect(await status(port, '/orders')).toBe(202);
    expect(await status(port, '/readyz')).toBe(200);
  });

  it('fills the component start-duration histogram and attempts on /metrics from the orchestrator’s events', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, startMs: 250, failTimes: 1 });
    const api = fakeComponent({ name: 'api', clock: h.clock, startMs: 40 });
    service = runService(plan(['database', [db]], ['services', [api]]), h.options());
    const port = (await service.listening)!;
    for (let i = 0; i < 200 && service.state !== 'running'; i++) {
      await h.clock.advance(100);
      await until(() => true, 'a turn');
    }
    await until(() => service!.state === 'running', 'running');
    const metrics = await text(port, '/metrics');
    const sample = (name: string, component: string, phase: string): number => {
      const labels = `component="${component}",phase="${phase}"`;
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith(`phasegate_${name}{${labels}`) && !l.includes('le='));
      expect(line, `${name} for ${component}`).toBeDefined();
      return Number(line!.split(' ').at(-1));
    };
    expect(metrics).toContain(
      'phasegate_component_start_duration_seconds_count{component="db",phase="database",outcome="ready"} 1',
    );
    // Two attempts of 250 ms plus a backoff step; then 40 ms.
    expect(sample('component_start_duration_seconds_sum', 'db', 'database')).toBeGreaterThan(0.5);
    expect(sample('component_start_duration_seconds_sum', 'api', 'services')).toBeCloseTo(0.04, 5);
    expect(sample('component_start_duration_seconds_count', 'api', 'services')).toBe(1);
    expect(sample('component_attempts', 'db', 'database')).toBe(2);
  });

  it('prints the waterfall and logs JSON lines, one event per line', async () => {
    h = harness();
    service = runService(plan(['init', [fakeComponent({ name: 'config', clock: h.clock })]]), h.options());
    await until(() => service!.state === 'running', 'running');
    const events = h.lines().map((line) => line.event);
    expect(events).toContain('service.listening');
    expect(events).toContain('orchestrator.phase-end');
    expect(events).toContain('service.ready');
    expect(h.output()).toMatch(/config/);
  });
});

describe('runService: on a terminal', () => {
  it('draws the live view, keeps only problems in the log, and prints the waterfall', async () => {
    h = harness();
    let out = '';
    const tty = { write: (chunk: string) => void (out += chunk), isTTY: true, columns: 100 };
    const db = fakeComponent({ name: 'db', clock: h.clock, failTimes: 1 });
    service = runService(plan(['database', [db]]), h.options({ stdout: tty }));
    await until(() => db.attempts === 1, 'first attempt');
    await h.clock.advance(10_000);
    await until(() => service!.state === 'running', 'running');
    expect(out).toContain('\u001b[');
    expect(out).toMatch(/startup.*ready.*availability FULL/);
    const events = out
      .split('\n')
      .map((line) => line.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'), ''))
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toContain('orchestrator.component-attempt-end'); // the failed attempt (a warning)
    expect(events).not.toContain('orchestrator.phase-start'); // progress is the live view's job
    expect(out).toContain('READY');
  });
});

describe('runService: exit codes', () => {
  it('exits 143 on SIGTERM during startup, after stopping what started and aborting what was starting', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
    const cache = fakeComponent({ name: 'cache', clock: h.clock, startMs: 60_000, log: h.log });
    service = runService(plan(['database', [db]], ['cache', [cache]]), h.options());
    await until(() => cache.running === 1, 'cache starting');
    h.proc.emit('SIGTERM');
    expect(await service.exited).toBe(143);
    expect(h.exits).toEqual([143]);
    expect(cache.aborted).toHaveLength(1);
    expect(h.log).toContain('stop:db');
    expect(h.proc.listenerCount('SIGTERM')).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it.each([
    ['SIGTERM', 143],
    ['uncaughtException', 1],
  ] as const)(
    'on %s while listen runs, aborts ctx.signal so listen ends, and exits after cleanup, not at the grace period',
    async (event, code) => {
      h = harness();
      const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
      let listenAborted = false;
      service = runService(
        plan(['database', [db]]),
        h.options({
          listen: (ctx) =>
            new Promise<void>((resolve) => {
              ctx.signal.addEventListener('abort', () => {
                listenAborted = true;
                resolve();
              });
            }),
        }),
      );
      await until(() => service!.state === 'listening', 'listen called');
      h.proc.emit(event, new Error('boom'));
      // No virtual time passes: only the grace period's timer could end a listen that is never told.
      await until(() => h.exits.length > 0, 'the exit');
      expect(h.exits).toEqual([code]);
      expect(listenAborted).toBe(true);
      expect(h.log).toContain('stop:db');
      expect(h.lines().some((line) => line.event === 'service.grace-exceeded')).toBe(false);
    },
  );

  it('exits 130 on SIGINT during startup', async () => {
    h = harness();
    const slow = fakeComponent({ name: 'slow', clock: h.clock, startMs: 60_000 });
    service = runService(plan(['database', [slow]]), h.options());
    await until(() => slow.running === 1, 'starting');
    h.proc.emit('SIGINT');
    expect(await service.exited).toBe(130);
  });

  it('exits 3 when a critical dependency keeps failing until the budget is spent', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, failTimes: Infinity });
    service = runService(plan(['database', [db]]), h.options({ startupBudgetMs: 5_000 }));
    await until(() => db.attempts === 1, 'first attempt');
    await h.clock.advance(5_000);
    expect(await service.exited).toBe(3);
    const failed = h.lines().find((line) => line.event === 'service.startup-failed');
    expect(failed).toMatchObject({ exitCode: 3 });
    expect(h.output()).toMatch(/db/);
  });

  it('exits 78 at once on a permanent failure (bad password), without retrying', async () => {
    h = harness();
    const error = Object.assign(new Error('password authentication failed for user "app"'), {
      code: '28P01',
    });
    const db = fakeComponent({ name: 'db', clock: h.clock, failTimes: Infinity, error });
    service = runService(plan(['database', [db]]), h.options());
    expect(await service.exited).toBe(78);
    expect(db.attempts).toBe(1);
    // The line a person reads first says the exit code and the fix.
    const failed = h.lines().find((line) => line.event === 'service.startup-failed');
    expect(failed?.msg).toBe(
      'startup failed, exit 78; fix: "db" failed in a way waiting will not fix: check its settings and credentials',
    );
  });

  it('exits 78 when the plan is invalid or building it throws a ConfigError', async () => {
    h = harness();
    service = runService({ phases: [] }, h.options());
    expect(await service.exited).toBe(78);
    h = harness();
    service = runService(() => {
      throw new ConfigError('DB_POOL_MAX', 'must be a number', 'set DB_POOL_MAX=10');
    }, h.options());
    expect(await service.exited).toBe(78);
    expect(h.output()).toContain('DB_POOL_MAX');
  });

  it('exits 78 on invalid runService options, naming the option', async () => {
    h = harness();
    const exits: number[] = [];
    service = runService(plan(['a', [fakeComponent({ name: 'a', clock: h.clock })]]), {
      ...h.options(),
      drainDelayMs: 30_000,
      gracePeriodMs: 10_000,
      exit: (code) => void exits.push(code),
    });
    expect(await service.exited).toBe(78);
    expect(exits).toEqual([78]);
    expect(h.output()).toContain('drainDelayMs');
  });

  it('exits 78 on an unknown log level, naming loggerOptions.level, instead of throwing from runService', async () => {
    h = harness();
    const options = h.options({ loggerOptions: { level: 'verbose' as never } });
    service = runService(plan(['a', [fakeComponent({ name: 'a', clock: h.clock })]]), options);
    expect(await service.exited).toBe(78);
    expect(h.exits).toEqual([78]);
    expect(h.output()).toContain('Invalid configuration at loggerOptions.level');
  });

  it.each([
    ['signals', { signals: 'SIGTERM' }],
    ['host', { host: '' }],
    ['host', { host: 8080 }],
    ['clock', { clock: {} }],
    ['process', { process: {} }],
    ['server', { server: {} }],
    ['logger', { logger: {} }],
    ['health', { health: 5 }],
    ['orchestrator', { orchestrator: null }],
    ['loggerOptions', { loggerOptions: 'debug' }],
    ['liveView', { liveView: 'yes' }],
  ])(
    'exits 78 naming %s when it has the wrong shape (%o), instead of failing with a TypeError',
    async (name, bad) => {
      h = harness();
      const options = { ...h.options(), ...bad } as unknown as RunServiceOptionsInput;
      service = runService(plan(['a', [fakeComponent({ name: 'a', clock: h.clock })]]), options);
      expect(await service.exited).toBe(78);
      expect(h.exits).toEqual([78]);
      expect(h.output()).toContain(`Invalid configuration at ${name}: must be`);
    },
  );

  it.each([
    ['exit', { exit: 'process.exit' }],
    ['stdout', { stdout: {} }],
  ])('refuses %s of the wrong shape (%o) with a ConfigError naming it', (name, bad) => {
    expect(() => resolveRunServiceOptions(bad as unknown as RunServiceOptionsInput)).toThrow(
      `Invalid configuration at ${name}: must be`,
    );
  });

  it('exits 78 on a misspelt option instead of ignoring it', async () => {
    h = harness();
    const misspelt = { ...h.options(), drainDelay: 100 } as RunServiceOptionsInput;
    service = runService(plan(['a', [fakeComponent({ name: 'a', clock: h.clock })]]), misspelt);
    expect(await service.exited).toBe(78);
    expect(h.output()).toContain('Invalid configuration at drainDelay: is not an option of runService');
  });

  it.each([
    ['health.metrics.prefix', { prefix: 'not a prefix' }],
    ['health.metrics.startBuckets', { startBuckets: [] }],
    ['health.metrics.prefx', { prefx: 'api_' }],
    [
      'health.metrics.prefix',
      {
        registry: (() => {
          const taken = new Registry();
          new Gauge({ name: 'phasegate_status', help: 'the app got there first', registers: [taken] });
          return taken;
        })(),
      },
    ],
  ])('exits 78 naming %s, the metrics option as written in runService options', async (path, metrics) => {
    // Before, these named `metrics.prefix` etc., a path that runService's options do not have.
    h = harness();
    service = runService(
      plan(['a', [fakeComponent({ name: 'a', clock: h.clock })]]),
      h.options({ health: { metrics } as RunServiceOptionsInput['health'] }),
    );
    expect(await service.exited).toBe(78);
    expect(h.output()).toContain(`Invalid configuration at ${path}:`);
  });

  it('exits 78 when the host is not an address of this machine, naming the host', async () => {
    h = harness();
    // Not an IP address, so a name to resolve, which fails: a setting to fix, not a dependency down.
    service = runService(
      plan(['a', [fakeComponent({ name: 'a', clock: h.clock })]]),
      h.options({ host: '999.1.1.1' }),
    );
    expect(await service.exited).toBe(78);
    expect(h.output()).toContain('Invalid configuration at host');
  });

  it('exits 78 when the port cannot be bound, naming the port', async () => {
    const { createServer } = await import('node:http');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      h = harness();
      const port = (taken.address() as { port: number }).port;
      service = runService(plan(['a', [fakeComponent({ name: 'a', clock: h.clock })]]), h.options({ port }));
      expect(await service.exited).toBe(78);
      expect(h.output()).toContain('EADDRINUSE');
      expect(h.proc.listenerCount('SIGTERM')).toBe(0);
    } finally {
      taken.close();
    }
  });

  it('exits 1 when listen throws a bug, after stopping the components', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
    service = runService(
      plan(['database', [db]]),
      h.options({
        listen: () => {
          throw new TypeError('undefined is not a function');
        },
      }),
    );
    expect(await service.exited).toBe(1);
    expect(h.log).toContain('stop:db');
  });
});

describe('runService: signals and fatal errors', () => {
  it('a second signal during the drain forces the exit at once', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
    service = runService(plan(['database', [db]]), h.options({ drainDelayMs: 5_000 }));
    await until(() => service!.state === 'running', 'running');
    h.proc.emit('SIGTERM');
    await until(() => service!.state === 'stopping', 'stopping');
    h.proc.emit('SIGINT');
    expect(await service.exited).toBe(130);
    expect(h.exits).toEqual([130]);
    expect(h.log).not.toContain('stop:db'); // forced: no cleanup waited for
    expect(h.proc.listenerCount('SIGTERM') + h.proc.listenerCount('SIGINT')).toBe(0);
  });

  it('takes the same signal delivered twice at once (terminal + npm wrapper) as one, and a later repeat as a force', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
    service = runService(plan(['database', [db]]), h.options({ drainDelayMs: 5_000 }));
    await until(() => service!.state === 'running', 'running');
    h.proc.emit('SIGINT');
    h.proc.emit('SIGINT');
    await until(() => service!.state === 'stopping', 'stopping');
    expect(h.exits).toEqual([]);
    await h.clock.advance(1_500);
    h.proc.emit('SIGINT');
    expect(await service.exited).toBe(130);
    expect(h.log).not.toContain('stop:db');
  });

  it('exits 1 when cleanup does not finish within the grace period', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock });
    service = runService(
      plan(['database', [db]]),
      h.options({
        drainDelayMs: 0,
        gracePeriodMs: 2_000,
        listen: () => ({ close: () => new Promise(() => {}) }),
      }),
    );
    await until(() => service!.state === 'running', 'running');
    h.proc.emit('SIGTERM');
    await until(() => service!.state === 'stopping', 'stopping');
    await h.clock.advance(2_000);
    expect(await service.exited).toBe(1);
    expect(h.lines().some((line) => line.event === 'service.grace-exceeded')).toBe(true);
  });

  it('an unhandled rejection after ready is logged, cleaned up, and exits 1', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
    service = runService(plan(['database', [db]]), h.options());
    await until(() => service!.state === 'running', 'running');
    h.proc.emit('unhandledRejection', new Error(`lost connection to postgres://app:${SECRET}@db/app`));
    expect(await service.exited).toBe(1);
    expect(h.log).toContain('stop:db');
    const fatal = h.lines().find((line) => line.event === 'service.unhandledRejection');
    expect(fatal).toBeDefined();
    expect(h.output()).not.toContain(SECRET);
  });

  it('a first SIGTERM during the cleanup after an uncaught exception lets the cleanup finish and keeps exit 1', async () => {
    h = harness();
    const db = fakeComponent({ name: 'db', clock: h.clock, log: h.log });
    let closing = false;
    service = runService(
      plan(['database', [db]]),
      h.options({
        listen: () => ({
          close: async () => {
            closing = true;
            await h.clock.sleep(3_000);
            h.log.push('close:listener');
          },
        }),
      }),
    );
    await until(() => service!.state === 'running', 'running');
    h.proc.emit('uncaughtException', new Error('boom'));
    await until(() => closing, 'cleanup under way');
    h.proc.emit('SIGTERM'); // the platform stopping the pod meanwhile: not a reason to cut cleanup short
    expect(h.exits).toEqual([]);
    await h.clock.advance(3_000);
    expect(await service.exited).toBe(1);
    expect(h.log.slice(-2)).toEqual(['close:listener', 'stop:db']);
  });

  it('a first SIGINT during the cleanup after a failed startup keeps the failure’s exit code', async () => {
    h = harness();
    const denied = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    const db = fakeComponent({
      name: 'db',
      clock: h.clock,
      startMs: 1_000,
      failTimes: Infinity,
      error: denied,
    });
    service = runService(plan(['database', [db]]), h.options());
    const port = (await service.listening)!;
    // A request still being sent holds the server's close open, so the cleanup takes a while.
    const { connect } = await import('node:net');
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /livez HTTP/1.1\r\nhost: x\r\n');
    await h.clock.advance(1_000);
    await until(() => h.lines().some((line) => line.event === 'service.startup-failed'), 'startup failed');
    h.proc.emit('SIGINT');
    expect(h.exits).toEqual([]);
    await h.clock.advance(10_000);
    expect(await service.exited).toBe(78);
    socket.destroy();
  });

  it('an uncaught exception during startup aborts it and exits 1', async () => {
    h = harness();
    const slow = fakeComponent({ name: 'slow', clock: h.clock, startMs: 60_000 });
    service = runService(plan(['database', [slow]]), h.options());
    await until(() => slow.running === 1, 'starting');
    h.proc.emit('uncaughtException', new Error('boom'));
    expect(await service.exited).toBe(1);
    expect(slow.aborted).toHaveLength(1);
  });

  it('never writes a secret from a failing component into the logs or the waterfall', async () => {
    h = harness();
    const error = Object.assign(
      new Error(`connect ECONNREFUSED postgres://app:${SECRET}@10.0.0.5:5432/app`),
      {
        code: 'ECONNREFUSED',
      },
    );
    const db = fakeComponent({ name: 'db', clock: h.clock, failTimes: Infinity, error });
    service = runService(plan(['database', [db]]), h.options({ startupBudgetMs: 2_000 }));
    await until(() => db.attempts === 1, 'first attempt');
    await h.clock.advance(2_000);
    expect(await service.exited).toBe(3);
    expect(h.output()).toContain('app:***@10.0.0.5');
    expect(h.output()).not.toContain(SECRET);
  });
});
