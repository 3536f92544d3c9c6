import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { lazyModule } from './lazy-module.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The packages a fresh Node process has loaded through `require` after running `script`. */
function packagesLoadedBy(script: string): string[] {
  const code = `
    import { createRequire } from 'node:module';
    ${script}
    const loaded = Object.keys(createRequire(import.meta.url).cache)
      .filter((path) => path.includes('/node_modules/'))
      .map((path) => path.split('/node_modules/').at(-1).split('/')[0]);
    console.log(JSON.stringify([...new Set(loaded)]));
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as string[];
}

const DRIVERS = ['pg', 'ioredis', 'prom-client', 'pino'];

describe('lazyModule', () => {
  it('loads the module on the first call and returns the same object after', () => {
    const load = lazyModule<typeof Path>('node:path');
    const first = load();
    expect(first).toBe(createRequire(import.meta.url)('node:path'));
    expect(load()).toBe(first);
  });

  it('throws the loader error for a package that is not installed, on use and not before', () => {
    let missing: (() => unknown) | undefined;
    expect(() => (missing = lazyModule('phasegate-no-such-package'))).not.toThrow();
    expect(() => missing!()).toThrow(/phasegate-no-such-package/);
  });

  it('says in one line which package is missing and how to install it, as a ConfigError (exit 78), keeping the cause', () => {
    let thrown: unknown;
    try {
      lazyModule('phasegate-no-such-package')();
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(
      "Invalid configuration at dependencies.phasegate-no-such-package: phasegate needs the package 'phasegate-no-such-package', which is not installed (fix: run npm install phasegate-no-such-package)",
    );
    expect(thrown).toMatchObject({ code: 'PG_ERR_CONFIG', classification: 'config' });
    // An installation a person must fix, not a bug: not exit 1, and never retried.
    expect(exitCodeFor(thrown)).toBe(78);
    const cause = (thrown as Error).cause as Error;
    expect(cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
    expect(cause.message).toMatch(/^Cannot find module 'phasegate-no-such-package'/);
  });

  it('passes on the error of a package that is there but fails to load, without blaming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-lazy-'));
    try {
      const broken = join(dir, 'broken.cjs');
      writeFileSync(broken, "throw new Error('broken on load');");
      expect(lazyModule(broken)).toThrow(new Error('broken on load'));
      const needsOther = join(dir, 'needs-other.cjs');
      writeFileSync(needsOther, "require('phasegate-other-missing-package');");
      expect(lazyModule(needsOther)).toThrow(/^Cannot find module 'phasegate-other-missing-package'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Two fresh processes that load phasegate's source through tsx: a few seconds on a loaded
  // machine, past vitest's 5 s default (a bound on a hang, not a timing assertion).
  it(
    'keeps the drivers out of a program that only imports phasegate, and loads each on use',
    { timeout: 60_000 },
    () => {
      const imported = packagesLoadedBy(`await import('./src/index.ts');`);
      for (const driver of DRIVERS) expect(imported).not.toContain(driver);

      const used = packagesLoadedBy(`
      const pg = await import('./src/index.ts');
      pg.createLogger({ stream: { write() {} } });
      pg.createHealthMetrics({ snapshot: () => { throw new Error('not scraped'); } });
    `);
      expect(used).toContain('pino');
      expect(used).toContain('prom-client');
      expect(used).not.toContain('ioredis');
    },
  );
});
