/**
 * The service's signing key: loaded from `<dataDir>/signing-key`, or generated there once. Several
 * instances may share a data directory, so creation is atomic (write a temporary file, then link it
 * into place; the loser of a race reads the winner's key).
 */

import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, link, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../src/index.js';

/** An HMAC-SHA256 key and a function that signs with it. */
export interface SigningKey {
  /** Where the key is stored. */
  readonly file: string;
  /** Whether this call generated it (false: loaded an existing one). */
  readonly generated: boolean;
  /** Hex HMAC-SHA256 of `data`. */
  sign(data: string | Buffer): string;
}

const KEY_HEX = /^[0-9a-f]{64}$/;

function keyOf(file: string, hex: string, generated: boolean): SigningKey {
  const key = Buffer.from(hex, 'hex');
  return { file, generated, sign: (data) => createHmac('sha256', key).update(data).digest('hex') };
}

/**
 * Load the signing key from `dataDir`, generating it on first use.
 *
 * @throws ConfigError when the file exists but does not hold a key.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, 'signing-key');
  await mkdir(dataDir, { recursive: true });
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) {
    const hex = existing.trim();
    if (!KEY_HEX.test(hex)) {
      throw new ConfigError(
        'DATA_DIR',
        `${file} does not hold a 256-bit hex key`,
        `delete ${file} to generate a new one`,
      );
    }
    return keyOf(file, hex, false);
  }
  const hex = randomBytes(32).toString('hex');
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${hex}\n`, { mode: 0o600 });
  try {
    await link(temporary, file);
    return keyOf(file, hex, true);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return loadOrCreateSigningKey(dataDir);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
