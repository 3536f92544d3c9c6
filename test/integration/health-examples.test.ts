/**
 * The Fastify and Express examples, run on port 0 against a real Orchestrator: probes during
 * startup, after it, degraded and failed startups, and the drain on shutdown.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startExpressExample } from '../../examples/health-express/main.js';
import { startFastifyExample } from '../../examples/health-fastify/main.js';
import { httpRequest } from './health-fixtures.js';

/** An IPv4 address of this machine other than loopback, for a caller that is not local. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

async function codes(url: string): Promise<Record<string, number>> {
  const paths = ['/livez', '/startupz', '/readyz'];
  const answers = await Promise.all(paths.map((p) => httpRequest(url + p)));
  return Object.fromEntries(paths.map((p, i) => [p, answers[i]!.status]));
}

describe('examples/health-fastify', () => {
  it('starts, becomes ready, and drains before closing', async () => {
    const example = await startFastifyExample({ port: 0, databaseConnectMs: 300, drainDelayMs: 300 });
    try {
      expect(await codes(example.url)).toEqual({ '/livez': 200, '/startupz': 503, '/readyz': 503 });
      await example.started;
      expect(await codes(example.url)).toEqual({ '/livez': 200, '/startupz': 200, '/readyz': 200 });
      expect(JSON.parse((await httpRequest(`${example.url}/hello`)).body)).toEqual({
        hello: 'world',
        availability: 'FULL',
      });
      const metrics = await httpRequest(`${example.url}/metrics`);
      expect(metrics.body).toContain(
        'phasegate_pool_connections{component="database",phase="database",kind="target"} 10',
      );
      expect(metrics.body).toContain(
        'phasegate_component_start_duration_seconds_count{component="database",phase="database",outcome="ready"} 1',
      );

      const stopped = example.shutdown();
      expect((await httpRequest(`${example.url}/readyz`)).status).toBe(503);
      expect((await httpRequest(`${example.url}/livez`)).status).toBe(200);
      await stopped;
      expect(example.orchestrator.status).toBe('stopped');
      await expect(httpRequest(`${example.url}/livez`)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await example.shutdown();
    }
  });

  it('with the cache down: started DEGRADED, not ready, and the secret stays out of /health', async () => {
    const example = await startFastifyExample({
      port: 0,
      databaseConnectMs: 10,
      cacheDown: true,
      // With 2 s this failed once in a full parallel run (not reproduced in 10 runs under load; a
      // database phase starved of CPU by the 8-process storm test would explain it): more room.
      // The cache still fails within its share.
      budgetMs: 4_000,
      drainDelayMs: 0,
    });
    try {
      await example.started;
      const snapshot = JSON.stringify(example.orchestrator.snapshot());
      expect(await codes(example.url), snapshot).toEqual({ '/livez': 200, '/startupz': 200, '/readyz': 503 });
      const health = await httpRequest(`${example.url}/health`);
      const body = JSON.parse(health.body);
      // The body in each message: this test failed twice under load without saying why.
      expect([body.status, body.availability], health.body).toEqual(['degraded', 'DEGRADED']);
      expect(health.body, health.body).toContain('ECONNREFUSED');
      expect(health.body).not.toContain('s3cret');
    } finally {
      await example.shutdown();
    }
  });
});

describe('examples/health-express', () => {
  it('starts and becomes ready; /health detail needs loopback or the token', async () => {
    const example = await startExpressExample({
      port: 0,
      databaseConnectMs: 200,
      drainDelayMs: 0,
      healthToken: 'tok',
    });
    try {
      expect(await codes(example.url)).toEqual({ '/livez': 200, '/startupz': 503, '/readyz': 503 });
      await example.started;
      expect(await codes(example.url)).toEqual({ '/livez': 200, '/startupz': 200, '/readyz': 200 });
      expect(JSON.parse((await httpRequest(`${example.url}/health`)).body).components).toHaveLength(1);
      expect(JSON.parse((await httpRequest(`${example.url}/hello`)).body).status).toBe('ready');
    } finally {
      await example.shutdown();
    }
  });

  it('fails with the listen error when the port is taken (not a TypeError from a server that never listened)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      await expect(startExpressExample({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('with the database down: startup fails, /livez stays 200, no secret leaks', async () => {
    const example = await startExpressExample({
      port: 0,
      databaseConnectMs: 10,
      databaseDown: true,
      budgetMs: 1_500,
      drainDelayMs: 0,
    });
    try {
      await example.started;
      expect(example.orchestrator.status).toBe('failed');
      expect(await codes(example.url)).toEqual({ '/livez': 200, '/startupz': 503, '/readyz': 503 });
      const health = await httpRequest(`${example.url}/health`);
      expect(JSON.parse(health.body).status).toBe('failed');
      expect(health.body).not.toContain('s3cret');
    } finally {
      await example.shutdown();
    }
  });
});

describe.each(['health-express', 'health-fastify'])('examples/%s run as documented', (name) => {
  // `PORT=abc npx tsx examples/.../main.ts` handed NaN to listen: exit 1 with a stack trace about
  // `options.port`, not naming PORT.
  it.each(['abc', '70000', ''])('exits 78 naming PORT for PORT=%j, before listening', async (port) => {
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', `examples/${name}/main.ts`],
        { env: { ...process.env, PORT: port }, timeout: 20_000 },
        (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(78);
    expect(run.stderr).toContain(`PORT: must be a whole number from 0 to 65535, got ${JSON.stringify(port)}`);
  });
});

// The Express example's doc shows `curl -H "Authorization: Bearer $HEALTH_TOKEN" http://<host>:3000/health`,
// but both examples listened on 127.0.0.1 only, so no other host could connect: the token path was unreachable.
describe('examples/health-fastify and health-express with HOST', () => {
  it.skipIf(outsideAddress === undefined).each([
    ['health-fastify', startFastifyExample, 2],
    ['health-express', startExpressExample, 1],
  ] as const)(
    '%s with host 0.0.0.0: a non-loopback caller gets {status} only, and full detail with the token',
    async (_name, start, components) => {
      const example = await start({
        port: 0,
        host: '0.0.0.0',
        databaseConnectMs: 10,
        drainDelayMs: 0,
        healthToken: 'tok',
      });
      try {
        await example.started;
        const outside = `http://${outsideAddress}:${new URL(example.url).port}/health`;
        expect(JSON.parse((await httpRequest(outside)).body)).toEqual({ status: 'ready' });
        const detail = await httpRequest(outside, { headers: { authorization: 'Bearer tok' } });
        expect(JSON.parse(detail.body).components).toHaveLength(components);
      } finally {
        await example.shutdown();
      }
    },
  );
});

/** Run an example's main as documented; resolves with its exit code (or the signal that killed it). */
function runMain(name: string, onStdout: (text: string, child: ChildProcess) => void): Promise<Exited> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/main.ts`], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Both mains installed their SIGINT/SIGTERM handlers only once startup had settled: Ctrl-C while the
// database was still connecting killed the process by the signal, without closing the server or
// stopping what had started, instead of aborting startup and exiting 130/143 after cleanup.
describe.each(['health-express', 'health-fastify'])('examples/%s main and stop signals', (name) => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during startup aborts it, cleans up and exits %i', async (signal, code) => {
    let sent = false;
    const run = await runMain(name, (stdout, child) => {
      if (!sent && stdout.includes('listening on')) {
        sent = true;
        child.kill(signal);
      }
    });
    expect({ code: run.code, signal: run.signal }, run.stdout + run.stderr).toEqual({ code, signal: null });
    expect(run.stdout).toContain(`${signal} during startup: aborting`);
    expect(run.stdout).toContain('stopped');
    expect(run.stdout).not.toContain('startup settled');
  });

  it('SIGTERM once started drains and exits 0 by itself (nothing left to keep the process alive)', async () => {
    let sent = false;
    const run = await runMain(name, (stdout, child) => {
      if (!sent && stdout.includes('startup settled')) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect({ code: run.code, signal: run.signal }, run.stdout + run.stderr).toEqual({
      code: 0,
      signal: null,
    });
    expect(run.stdout).toMatch(/SIGTERM: draining\nstopped\n/);
  });
});

describe('examples/health-fastify and health-express shut down during startup', () => {
  // shutdown() waited out the drain delay first, while the database kept connecting, although
  // /readyz had never answered 200, so no traffic could be there to drain.
  it.each([
    ['health-fastify', startFastifyExample],
    ['health-express', startExpressExample],
  ] as const)(
    '%s: aborts the startup without waiting for the drain delay',
    async (_name, start) => {
      const example = await start({ port: 0, databaseConnectMs: 60_000, drainDelayMs: 60_000 });
      await example.shutdown();
      await example.started;
      expect(example.orchestrator.status).toBe('stopped');
      expect(example.orchestrator.snapshot().components[0]).toMatchObject({ name: 'database' });
      expect(example.orchestrator.tryGet('database')).toBeUndefined();
      await expect(httpRequest(`${example.url}/livez`)).rejects.toThrow(/ECONNREFUSED/);
    },
    10_000,
  );
});
