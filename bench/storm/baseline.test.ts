import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { measureBaseline } from './baseline.js';
import type { StormConfig } from './storm-config.js';

describe('measureBaseline', () => {
  let tmp: string;
  let saved: string | undefined;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'storm-baseline-test-'));
    saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // os.tmpdir() reads it on every call
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await rm(tmp, { recursive: true, force: true });
  });

  it('deletes its data directory when the instance cannot be spawned', async () => {
    // spawn() throws synchronously on an environment value with a NUL byte.
    const config = { env: { BROKEN: 'a\u0000b' } } as unknown as StormConfig;
    await expect(measureBaseline(config, 'postgres://storm@127.0.0.1:1/storm')).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    expect(os.tmpdir()).toBe(tmp);
    expect(await readdir(tmp)).toEqual([]);
  });
});
