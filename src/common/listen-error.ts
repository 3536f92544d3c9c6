import { ConfigError } from '../errors/config-error.js';

/** Listen errors that are the port's fault: it is taken, or needs privileges. */
const PORT_ERRORS = new Set(['EADDRINUSE', 'EACCES']);
/**
 * Listen errors that are the host's fault: not an address of this machine, or a name that does not
 * resolve. The setting is wrong; waiting will not help.
 */
const HOST_ERRORS = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_NONAME', 'EAI_FAIL']);

/**
 * A server's `listen` error as the {@link ConfigError} a person must fix, naming the setting at
 * fault (`paths.port` or `paths.host`); `undefined` for any other error (passed on as it is).
 *
 * @example
 * ```ts
 * server.once('error', (error) => reject(listenConfigError(error, port, host, { port: 'port', host: 'host' }) ?? error));
 * ```
 */
export function listenConfigError(
  error: NodeJS.ErrnoException,
  port: number,
  host: string | undefined,
  paths: { readonly port: string; readonly host: string },
): ConfigError | undefined {
  const where = `${host ?? '*'}:${port}`;
  if (error.code !== undefined && PORT_ERRORS.has(error.code)) {
    return new ConfigError(
      paths.port,
      `cannot listen on ${where} (${error.code})`,
      'choose a free port',
      error,
    );
  }
  if (error.code !== undefined && HOST_ERRORS.has(error.code)) {
    return new ConfigError(
      paths.host,
      `cannot listen on ${where}: ${host ?? '*'} is not an address of this machine or does not resolve (${error.code})`,
      'give an address of this machine (e.g. 127.0.0.1 or 0.0.0.0), or leave host out',
      error,
    );
  }
  return undefined;
}
