import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as testing from './index.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** Names a ```ts block of the README imports from 'phasegate/testing' (`type` imports left out). */
function importedNames(text: string): string[] {
  const imports = [...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'phasegate\/testing'/g)];
  return imports
    .flatMap((m) => m[1]!.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '' && !name.startsWith('type '))
    .map((name) => name.split(/\s+as\s+/)[0]!);
}

/**
 * Names the README's prose says come from `phasegate/testing`: in a sentence that names it, each
 * code span that is a capitalised name (`FakePostgres`) or a call (`testComponentContext({ clock })`).
 */
function namesInProse(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '');
  return prose
    .split(/\n\s*\n|\.\s/)
    .filter((sentence) => sentence.includes('`phasegate/testing`'))
    .flatMap((sentence) => [...sentence.matchAll(/`([A-Za-z_$][\w$]*)(\(|`)/g)])
    .filter(([, name, after]) => after === '(' || /^[A-Z]/.test(name!))
    .map(([, name]) => name!);
}

describe("what the README takes from 'phasegate/testing'", () => {
  const names = [...new Set([...importedNames(readme), ...namesInProse(readme)])];

  it('finds the names the README uses (so the checks below are not vacuous)', () => {
    expect(names).toEqual(expect.arrayContaining(['FakeClock', 'testComponentContext', 'FakePostgres']));
  });

  it.each(names)('exports %s as a value', (name) => {
    expect(typeof (testing as Record<string, unknown>)[name]).toBe('function');
  });

  it("is the entry the package's exports map points at", () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      exports: Record<string, { types: string; import: string }>;
    };
    // tsconfig.build.json compiles src/ to dist/ (rootDir src), so src/testing/index.ts is dist/testing/index.js.
    expect(pkg.exports['./testing']).toEqual({
      types: './dist/testing/index.d.ts',
      import: './dist/testing/index.js',
    });
  });
});
