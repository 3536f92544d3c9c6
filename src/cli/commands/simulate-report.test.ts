/**
 * `phasegate simulate --report` when the disk fills up mid-write: the file system is mocked to write
 * half the report and fail, as a full disk does.
 */
import type * as fsPromises from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runSimulate } from './simulate.js';

/** Paths whose writes fail halfway (set by a test). */
const failing = vi.hoisted(() => ({ under: undefined as string | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  const full = (): Error =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const fails = (path: unknown): boolean =>
    failing.under !== undefined && typeof path === 'string' && path.startsWith(failing.under);
  return {
    ...actual,
    writeFile: async (path: unknown, data: string, options?: unknown): Promise<void> => {
      if (!fails(path)) return actual.writeFile(path as string, data, options as undefined);
      await actual.writeFile(path as string, data.slice(0, data.length / 2), options as undefined);
      throw full();
    },
    open: async (path: unknown, ...rest: unknown[]): Promise<unknown> => {
      const handle = await actual.open(path as string, ...(rest as [string]));
      if (!fails(path)) return handle;
      return Object.assign(Object.create(handle) as object, {
        writeFile: async (data: string): Promise<void> => {
          await handle.writeFile(data.slice(0, data.length / 2));
          throw full();
        },
        close: () => handle.close(),
      });
    },
  };
});

const SCENARIO = `
name: full-disk
durationMs: 60000
fleet: { instances: 2 }
database: { maxConnections: 40 }
service: { poolSize: 2, maxOverflow: 0, minReady: 1 }
strategies: [{ name: phasegate }]
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phasegate-report-'));
  await writeFile(join(dir, 'ok.yaml'), SCENARIO);
});

afterAll(async () => {
  failing.under = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('phasegate simulate --report on a full disk', { timeout: 60_000 }, () => {
  it('leaves no partial file, keeps an earlier report, prints no result and exits 78', async () => {
    const io = { out: vi.fn(), err: vi.fn() };
    const report = join(dir, 'storm.html');
    const args = (path: string) => [join(dir, 'ok.yaml'), { report: path }, io, { settle: 'tick' }] as const;
    failing.under = dir;
    expect(await runSimulate(...args(report))).toBe(78);
    expect(io.err).toHaveBeenCalledWith(expect.stringContaining('--report: cannot write'));
    expect(io.out).not.toHaveBeenCalled();
    expect(await readdir(dir)).toEqual(['ok.yaml']);
    // An earlier report stays as it was rather than half overwritten.
    failing.under = undefined;
    await writeFile(report, 'earlier report');
    failing.under = dir;
    expect(await runSimulate(...args(report))).toBe(78);
    expect(await readFile(report, 'utf8')).toBe('earlier report');
    expect((await readdir(dir)).sort()).toEqual(['ok.yaml', 'storm.html']);
  });
});
