/**
 * `phasegate run` as a user runs it: a separate process starting a service module (a real Postgres
 * pool, fixtures/pg-service.mjs, and the README's own example module) with the health endpoints,
 * signals and the documented exit codes.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPhasegate, spawnPhasegate } from './cli-process.js';
import { databaseUrl } from './helpers/database.js';
import { waitUntil } from './helpers/wait-until.js';

const MODULE = 'test/integration/fixtures/pg-service.mjs';

function start(env: Record<string, string>, module = MODULE) {
  const child = spawnPhasegate(['run', module, '--port', '0'], env);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Run `module` against the real Postgres until ready, then SIGTERM it: it must exit 0. Returns its output. */
async function runUntilReadyThenStop(module: string): Promise<string> {
  const service = start({ DATABASE_URL: databaseUrl() }, module);
  try {
    await waitUntil(() => service.output().includes('"event":"service.ready"'), {
      timeoutMs: 20_000,
      message: 'service ready',
    });
    service.child.kill('SIGTERM');
    expect(await service.exited, service.output()).toBe(0);
    return service.output();
  } finally {
    service.child.kill('SIGKILL');
  }
}

describe('phasegate run', () => {
  it('starts the module against the real Postgres, is ready, and exits 0 on SIGTERM', async () => {
    const output = await runUntilReadyThenStop(MODULE);
    expect(output).toContain('"event":"service.exit","exitCode":0');
  });

  it("runs the README's service module (its ```js block) the same way", async () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /```js\n(\/\/ service\.mjs\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a ```js block starting with // service.mjs').toBeDefined();
    // Inside the package, so that `import 'phasegate'` resolves to this package as it does for users.
    const dir = '.scratch-readme-service';
    await mkdir(dir, { recursive: true });
    const file = join(dir, `service-${process.pid}.mjs`);
    await writeFile(file, block!);
    try {
      await runUntilReadyThenStop(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 78 for an unknown database (fixed by a person, never retried)', async () => {
    const url = new URL(databaseUrl());
    url.pathname = '/phasegate_no_such_database';
    const service = start({ DATABASE_URL: url.toString() });
    expect(await service.exited, service.output()).toBe(78);
    expect(service.output()).toContain('startup failed, exit 78; fix:');
  });

  it('exits 78 at once for a module that keeps a timer open but exports no plan (no hang)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasegate-run-'));
    try {
      const file = join(dir, 'no-plan.mjs');
      await writeFile(file, 'setInterval(() => {}, 1_000);\nexport const x = 1;\n');
      const run = await runPhasegate(['run', file]);
      expect(run.code).toBe(78);
      expect(run.stderr).toContain('has no default export that is a plan');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('drops log lines its closed terminal can no longer take (EIO) and still stops in order, exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasegate-run-'));
    try {
      // Once ready, standard output fails as a closed terminal's does, then the stop signal comes.
      const file = join(dir, 'eio-service.mjs');
      await writeFile(
        file,
        [
          "export default { phases: [{ name: 'init', components: [{ name: 'x', start: async () => 1 }] }] };",
          'export const options = { drainDelayMs: 0, listen: () => void setTimeout(() => {',
          "  process.stdout.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }));",
          "  process.kill(process.pid, 'SIGTERM');",
          '}, 10) };',
          '',
        ].join('\n'),
      );
      const service = start({}, file);
      expect(await service.exited, service.output()).toBe(0);
      expect(service.output()).not.toContain('service.uncaughtException');
      expect(service.output()).toContain('"event":"service.draining"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 78 for a module that does not exist, naming it', async () => {
    const run = await runPhasegate(['run', 'no/such/service.mjs']);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('cannot load no/such/service.mjs');
  });

  it('exits 78 for a module whose own import is missing, blaming the import, not the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasegate-run-'));
    try {
      // The path given is right; what is missing is a package and a file the module imports. The
      // old hint ("give the path of a .js or .mjs module") sent the user after the wrong problem.
      const cases = [
        ["import 'phasegate-no-such-package';\n", "Cannot find package 'phasegate-no-such-package'"],
        ["import './helper-missing.mjs';\n", 'helper-missing.mjs'],
      ];
      for (const [source, missing] of cases) {
        const file = join(dir, 'service.mjs');
        await writeFile(file, `${source}export default { phases: [] };\n`);
        const run = await runPhasegate(['run', file]);
        expect(run.code, run.stderr).toBe(78);
        expect(run.stderr).toContain(`${file} imports a module that cannot be found`);
        expect(run.stderr).toContain(missing);
        expect(run.stderr).toContain('fix: install the package, or correct the import in');
        expect(run.stderr).not.toContain('give the path of a .js or .mjs module');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
