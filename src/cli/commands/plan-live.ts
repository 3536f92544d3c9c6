/**
 * `phasegate plan --database-url`: what it says about the server it read, and the exit code when it
 * could not read it.
 */
import {
  classify,
  postgresUrlParts,
  redactUrl,
  safeMessage,
  toDependencyError,
  type LiveLimits,
} from '../../index.js';
// Type-only: a value import from main.ts would be circular (main.ts registers this command).
import type { CliIo } from '../main.js';
import { PlanExitCodes } from './plan.js';

/**
 * The exit code (and the message) for `--database-url` that could not be read: 3 only when waiting
 * may help (`transient`, `capacity`), 78 when a person must fix the URL, the credentials or a file the
 * URL names (`sslrootcert=`). An error nobody recognises (the server answered, but not as the limits
 * query expects) is neither: it is thrown, and the command exits 70 as on a bug.
 */
export function failedToRead(error: unknown, databaseUrl: string, io: Pick<CliIo, 'err'>): number {
  const where = `could not read limits from ${redactUrl(databaseUrl)}`;
  // The fix the components give for the same driver error (28P01: check the user name and password).
  const hint = toDependencyError('postgres', redactUrl(databaseUrl), error).hint;
  const fix = hint === undefined ? '' : ` (fix: ${hint})`;
  switch (classify(error)) {
    case 'transient':
    case 'capacity':
      io.err(`phasegate plan: ${where}: ${safeMessage(error)}${fix}\n`);
      return PlanExitCodes.DATABASE_UNREACHABLE;
    case 'config':
    case 'permanent': {
      const file = urlParameterNaming(databaseUrl, (error as { path?: unknown }).path);
      const problem = file
        ? `--database-url: ${file} cannot be read (${safeMessage(error)}); correct the path or the file's permissions`
        : `${where}: ${safeMessage(error)}${fix}`;
      io.err(`phasegate plan: ${problem}\n`);
      return PlanExitCodes.BAD_INPUT;
    }
    case 'internal':
      throw new Error(`${where}: ${safeMessage(error)}`, { cause: error });
  }
}

/** `name=value` of the URL's query parameter whose value is `path` (`sslrootcert=/ca.pem`), if any. */
function urlParameterNaming(databaseUrl: string, path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  let params: URLSearchParams;
  try {
    params = postgresUrlParts(databaseUrl).params;
  } catch {
    return undefined;
  }
  for (const [name, value] of params) if (value === path) return `${name}=${value}`;
  return undefined;
}

/** What was read from the server, in one line (a limit only when the role or database has one). */
export function describeLive(live: LiveLimits): string {
  const parts = [
    `max_connections ${live.maxConnections}`,
    `reserved ${live.superuserReserved + live.reservedConnections}`,
    `other clients ${live.otherClients}`,
  ];
  if (live.roleConnectionLimit !== null) {
    parts.push(`role connection limit ${live.roleConnectionLimit} (${live.roleOtherClients} in use)`);
  }
  if (live.databaseConnectionLimit !== null) {
    parts.push(
      `database connection limit ${live.databaseConnectionLimit} (${live.databaseOtherClients} in use)`,
    );
  }
  return parts.join(', ');
}
