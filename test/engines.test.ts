/**
 * The lockfile installs nothing that refuses Node 20. `npm ci` only warns about a package that
 * wants a newer Node (EBADENGINE); these make CI fail instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(root, file), 'utf8'));

interface LockedPackage {
  readonly version?: string;
  readonly dev?: boolean;
  readonly engines?: { readonly node?: string } | readonly string[];
}

const lock = readJson('package-lock.json') as { packages: Record<string, LockedPackage> };
const locked = Object.entries(lock.packages).filter(([path]) => path !== '');
const nodeRange = (pkg: LockedPackage): string | undefined =>
  Array.isArray(pkg.engines) ? undefined : (pkg.engines as { node?: string } | undefined)?.node;

describe('dependency engines', () => {
  it('what users install runs on the oldest Node that package.json supports', () => {
    const ours = (readJson('package.json') as { engines: { node: string } }).engines.node;
    const oldest = semver.minVersion(ours)!;
    expect(oldest.major).toBe(20);
    const refusing = locked.flatMap(([path, pkg]) => {
      const range = nodeRange(pkg);
      return !pkg.dev && range && !semver.satisfies(oldest, range) ? [`${path}: node ${range}`] : [];
    });
    expect(refusing).toEqual([]);
  });

  it('the development tools run on Node 20 (some need a recent 20.x)', () => {
    const refusing = locked.flatMap(([path, pkg]) => {
      const range = nodeRange(pkg);
      return pkg.dev && range && !semver.intersects('^20', range) ? [`${path}: node ${range}`] : [];
    });
    expect(refusing).toEqual([]);
  });
});
