import { createRequire } from 'node:module';
import { ConfigError } from '../errors/config-error.js';

const load = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded the first time it is used rather than when phasegate is imported.
 *
 * The drivers phasegate builds on are large to load (on Node 20, on one core: ioredis about 65 ms,
 * prom-client with its OpenTelemetry imports about 35 ms, pg about 30 ms, pino about 20 ms), and
 * most programs use few of them: a service without Redis never loads ioredis, the
 * `phasegate plan` command loads neither pg nor prom-client, and the storm simulator's worker
 * thread loads no driver at all. Only types are imported statically (`import type`, erased at
 * build time); the value comes from `require`, synchronously, so no API has to become async.
 *
 * @param id A package whose main entry is CommonJS (its `require` export).
 * @returns A function that loads the module on its first call and returns the same object after.
 * @internal
 *
 * @example
 * ```ts
 * import type * as IORedis from 'ioredis';
 * const ioredis = lazyModule<typeof IORedis>('ioredis');
 * const client = new (ioredis().Redis)(url);
 * ```
 */
export function lazyModule<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= loadOrExplain(id) as T);
}

/**
 * `require(id)`, where a package that is not installed gets a one-line error that names it and the
 * fix, instead of Node's `Cannot find module` and a require stack of phasegate's own files. That
 * error is a {@link ConfigError} at `dependencies.<id>` (the installation is for a person to fix,
 * like a setting: exit 78, never retried, where an unrecognised error would exit 1 as a bug), with
 * Node's error (code `MODULE_NOT_FOUND`) as its `cause`. Any other failure (the package is there but
 * throws, or one of its own dependencies is missing) is thrown as it is.
 */
function loadOrExplain(id: string): unknown {
  try {
    return load(id);
  } catch (error) {
    if (!isNotFound(error, id)) throw error;
    throw new ConfigError(
      `dependencies.${id}`,
      `phasegate needs the package '${id}', which is not installed`,
      `run npm install ${id}`,
      error,
    );
  }
}

/** Whether `error` is Node's failure to find `id` itself (not a module that `id` requires). */
function isNotFound(error: unknown, id: string): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === 'MODULE_NOT_FOUND' &&
    error.message.startsWith(`Cannot find module '${id}'`)
  );
}
