/**
 * The simulator's modules import the public entry (src/index.ts), which re-exports them: a module
 * cycle. It is safe only while no simulator module reads an imported value as it loads, so that
 * any of them can be the first one a program imports. A strategy's option schema that read a
 * limit from scenario.ts while loading broke that: importing scenario.ts first threw
 * "Cannot access 'MAX_POOL' before initialization".
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SIMULATOR = join(ROOT, 'src/simulator');

/** Every non-test module of the simulator, as a path from the repository root. */
function simulatorModules(): string[] {
  const modules: string[] = [];
  for (const dir of [SIMULATOR, join(SIMULATOR, 'strategies')]) {
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'test-fixtures.ts') {
        modules.push(relative(ROOT, join(dir, file)));
      }
    }
  }
  return modules.sort();
}

/** Import `module` first in a fresh Node process (through tsx); resolves with its stderr. */
async function importFirst(module: string): Promise<string> {
  const code = `await import(${JSON.stringify(`./${module}`)});`;
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
    });
    return '';
  } catch (error) {
    return `${module}: ${String((error as { stderr?: unknown }).stderr ?? error)}`;
  }
}

describe('simulator modules', () => {
  // A fresh process per module (a module cycle is evaluated once per process): about half a
  // second each, a few at a time; the timeout bounds a hang, it is not a timing assertion.
  it('can each be the first module a program imports', { timeout: 120_000 }, async () => {
    const modules = simulatorModules();
    expect(modules).toContain('src/simulator/scenario.ts');
    const failures: string[] = [];
    for (let i = 0; i < modules.length; i += 4) {
      const batch = await Promise.all(modules.slice(i, i + 4).map(importFirst));
      failures.push(...batch.filter((failure) => failure !== ''));
    }
    expect(failures).toEqual([]);
  });
});
