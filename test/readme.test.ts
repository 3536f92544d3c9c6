/**
 * The README's TypeScript examples are real: every ```ts block is extracted, type-checked against the
 * built package (imports of 'phasegate' resolve to this package's own `exports`), and run with tsx.
 * A block that starts with `// readme: no-run` is type-checked only (for instance one that serves
 * forever). A line `// → text` says what the block prints: the run must print each, in order
 * (whitespace runs count as one space; `...` stands for anything). Run after `npm run build` (npm
 * test does).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = join(root, 'test', '.readme-examples');

/** The `// → text` lines of a block: what it prints, in order. */
function expectedOutput(code: string): string[] {
  return [...code.matchAll(/^\s*\/\/ → (.*)$/gm)].map((m) => m[1]!);
}

const squash = (text: string): string => text.replace(/\s+/g, ' ').trim();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Check that `stdout` prints every expected line, in order. */
function expectPrinted(stdout: string, expected: readonly string[]): void {
  const printed = squash(stdout);
  let from = 0;
  for (const line of expected) {
    const pattern = new RegExp(squash(line).split('...').map(escapeRegExp).join('.*?'));
    const match = pattern.exec(printed.slice(from));
    expect(match, `printed:\n${stdout}\nexpected, after what matched before: ${line}`).not.toBeNull();
    from += match!.index + match![0].length;
  }
}

describe('README examples', () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = blocks.map((code, i) => {
    const file = join(dir, `example-${i + 1}.ts`);
    writeFileSync(file, code);
    return file;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has examples, and says what they print', () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.filter((code) => !code.startsWith('// readme: no-run')).length).toBeGreaterThan(0);
    expect(blocks.filter((code) => expectedOutput(code).length > 0).length).toBeGreaterThanOrEqual(4);
  });

  it('type-check', async () => {
    const args = [
      join(root, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
      '--skipLibCheck',
      ...files,
    ];
    const result = await run(process.execPath, args, { cwd: root }).catch((e: { stdout: string }) => e);
    expect((result as { stdout: string }).stdout).toBe('');
  }, 120_000);

  // A no-run block is only type-checked (above): it gets no "runs" test that would pass without running.
  const runnable = blocks
    .map((code, i) => [i + 1, code] as const)
    .filter(([, code]) => !code.startsWith('// readme: no-run'));

  it.each(runnable)(
    'example %i runs',
    async (i, code) => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join(dir, `example-${i}.ts`)], {
        cwd: root,
        timeout: 60_000,
        env: { ...process.env, NO_COLOR: '1' },
      });
      expectPrinted(stdout, expectedOutput(code));
    },
    90_000,
  );
});
