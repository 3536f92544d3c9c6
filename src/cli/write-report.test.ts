import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileWhole } from './write-report.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phasegate-write-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileWhole', () => {
  it('replaces a file, keeping its mode, and leaves no temporary file', async () => {
    const file = join(dir, 'mode', 'report.html');
    await mkdir(join(dir, 'mode'));
    await writeFile(file, 'old');
    await chmod(file, 0o666); // group- and world-writable: the umask (022 by default) takes that off a new file
    await writeFileWhole(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect((await stat(file)).mode & 0o777).toBe(0o666);
    expect(await readdir(join(dir, 'mode'))).toEqual(['report.html']);
  });

  it('writes through a symbolic link, which stays a link', async () => {
    await mkdir(join(dir, 'real'));
    await mkdir(join(dir, 'links'));
    const real = join(dir, 'real', 'report.html');
    const link = join(dir, 'links', 'report.html');
    await writeFile(real, 'old');
    await symlink(real, link);
    await writeFileWhole(link, 'new');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe('new');
    expect(await readdir(join(dir, 'real'))).toEqual(['report.html']);
  });

  it('writes a device in place (it cannot be replaced)', async () => {
    await writeFileWhole('/dev/null', 'discarded');
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
  });
});
