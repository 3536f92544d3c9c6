/**
 * Writing `phasegate simulate --report`: all or nothing, so a failed write (a full disk, an I/O
 * error) never leaves half a report behind, nor destroys the report an earlier run wrote there.
 */
import { open, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write `text` to `path`. A new file or a regular one is written to a temporary file beside it
 * (`.<name>.<pid>.tmp`) that is then renamed over `path`: on a failure the temporary file is removed
 * and `path` is as it was. Anything else at `path` (a device such as `/dev/stdout`, a FIFO) is
 * written in place, as it cannot be replaced. A symbolic link is followed: the file it names is
 * replaced, the link stays.
 *
 * @throws the file system's error, after cleaning up.
 */
export async function writeFileWhole(path: string, text: string): Promise<void> {
  // Through a symbolic link, as a plain write would: the file it names is replaced, not the link.
  const target = await realpath(path).catch(() => path);
  const existing = await stat(target).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    await writeFile(target, text);
    return;
  }
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  // `wx`: never write through (nor, on a failure, remove) something already at that name.
  const file = await open(temporary, 'wx', (existing?.mode ?? 0o666) & 0o777);
  try {
    try {
      await file.writeFile(text);
      // The mode the replaced file had, exactly (open() took the umask off it).
      if (existing !== undefined) await file.chmod(existing.mode & 0o7777);
    } finally {
      await file.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
