import { createRequire } from 'node:module';

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
 * fix, instead of Node's `Cannot find module` and a require stack of phasegate's own files. The
 * error keeps Node's `code` (`MODULE_NOT_FOUND`) and has Node's error as its `cause`; any other
 * failure (the package is there but throws, or one of its own dependencies is missing) is thrown as
 * it is.
 */
function loadOrExplain(id: string): unknown {
  try {
    return load(id);
  } catch (error) {
    if (!isNotFound(error, id)) throw error;
    throw Object.assign(
      new Error(`phasegate needs the package '${id}', which is not installed: run npm install ${id}`, {
        cause: error,
      }),
      { code: 'MODULE_NOT_FOUND' },
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
