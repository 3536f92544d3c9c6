/**
 * What `npm pack` would publish: the build, the sources its maps point at (so an editor's "go to
 * definition" and a stack trace's source map land on real files), and no tests. Runs after the
 * build (`npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

const packed: ReadonlySet<string> = new Set(
  (
    JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as Array<{ files: Array<{ path: string }> }>
  )[0]!.files.map((file) => file.path),
);

describe('the published package', () => {
  it('ships the build and every source file a source or declaration map points at', () => {
    const maps = [...packed].filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(100);
    const missing = maps.flatMap((map) => {
      const { sources } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[] };
      return sources
        .map((source) => normalize(join(dirname(map), source)))
        .filter((source) => !packed.has(source))
        .map((source) => `${map} → ${source}`);
    });
    expect(missing).toEqual([]);
  });

  it('ships no tests or test fixtures', () => {
    const tests = [...packed].filter((path) => /\.test\.|test-fixtures/.test(path));
    expect(tests).toEqual([]);
  });

  it('ships nothing but the build, its sources, the example scenarios, the README and the licence', () => {
    // Not the tests, the benchmarks, the chat example (its .data/ holds a signing key and a database).
    const allowed = /^(dist\/|src\/|examples\/scenarios\/[^/]+\.yaml$|README\.md$|LICENSE$|package\.json$)/;
    expect(packed).toContain('LICENSE');
    expect([...packed].filter((path) => !allowed.test(path))).toEqual([]);
  });

  it('ships the entry points package.json names: main, types, bin (a node script)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      bin: Record<string, string>;
    };
    const entries = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const entry of entries) expect(packed).toContain(normalize(entry));
    for (const bin of Object.values(pkg.bin)) {
      expect(readFileSync(join(root, bin), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    }
  });

  it('gives every subpath of the exports map its types, next to its code', () => {
    const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types?: string; import?: string }>;
    };
    const withCode = Object.entries(exports).filter(([subpath]) => subpath !== './package.json');
    expect(withCode.map(([subpath]) => subpath)).toEqual(['.', './testing']);
    for (const [subpath, entry] of withCode) {
      expect(typeof entry, subpath).toBe('object');
      const { types, import: code } = entry as { types?: string; import?: string };
      expect(types, `${subpath}: types`).toBe(code?.replace(/\.js$/, '.d.ts'));
    }
  });

  it('ships what the exports map names', () => {
    const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = Object.values(exports).flatMap((entry) =>
      typeof entry === 'string' ? [entry] : Object.values(entry),
    );
    expect(targets).toContain('./dist/testing/index.js');
    for (const target of targets) expect(packed).toContain(normalize(target));
  });

  it('depends on the types of every package its declarations import', () => {
    // A consumer's compiler reads dist/**/*.d.ts: a package imported there whose types are only a
    // devDependency here (pg's are @types/pg) becomes `any` under skipLibCheck, an error without it.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      name: string;
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    for (const path of packed) {
      if (!path.endsWith('.d.ts')) continue;
      for (const [, specifier] of readFileSync(join(root, path), 'utf8').matchAll(/from '([^'.][^']*)'/g)) {
        const name = specifier!.startsWith('@')
          ? specifier!.split('/').slice(0, 2).join('/')
          : specifier!.split('/')[0]!;
        if (!name.startsWith('node:') && name !== pkg.name) imported.add(name);
      }
    }
    expect(imported).toContain('pg');
    const untyped = [...imported].filter((name) => {
      if (!(name in pkg.dependencies)) return true;
      const own = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        types?: string;
        typings?: string;
        exports?: unknown;
      };
      const shipsTypes =
        own.types !== undefined ||
        own.typings !== undefined ||
        JSON.stringify(own.exports ?? '').includes('"types"');
      return !shipsTypes && !(`@types/${name}` in pkg.dependencies);
    });
    expect(untyped).toEqual([]);
  });
});
