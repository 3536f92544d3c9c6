import net from 'node:net';
import { abortReason } from '../common/abort-reason.js';
import type { Clock } from '../common/clock.js';
import { ConfigError } from '../errors/config-error.js';
import type { Availability } from '../orchestrator/availability.js';
import type { ComponentSpec } from '../orchestrator/component.js';
import type { Policy } from '../policies/policy.js';
import { requireInteger } from '../policies/validate.js';
import { toDependencyError } from './dependency-error.js';

/** Options of {@link tcpComponent}. */
export interface TcpComponentOptionsInput {
  /** Component name. @default `tcp:<host>:<port>` */
  readonly name?: string;
  /** Host name or address. */
  readonly host: string;
  /** Port, 1 to 65535. */
  readonly port: number;
  /** See {@link ComponentSpec.critical}. @default true */
  readonly critical?: boolean;
  /** See {@link ComponentSpec.degradable}. @default false */
  readonly degradable?: boolean;
  /** See {@link ComponentSpec.degradesTo}. @default 'DEGRADED' */
  readonly degradesTo?: Availability;
  /** See {@link ComponentSpec.dependsOn}. @default [] */
  readonly dependsOn?: readonly string[];
  /** See {@link ComponentSpec.policy}. @default the orchestrator's `defaultPolicy` */
  readonly policy?: Policy;
}

/** The handle of a started {@link tcpComponent}: where it connected and how long that took. */
export interface TcpEndpoint {
  /** Host it connected to, as configured. */
  readonly host: string;
  /** Port it connected to, as configured. */
  readonly port: number;
  /** Duration of the last successful connect, on the component's clock. */
  lastConnectMs: number;
}

/**
 * Open a TCP connection to `host:port` and close it again. Rejects with the socket error, or with
 * the abort reason as soon as `signal` aborts (the socket is destroyed).
 */
export function probeTcp(host: string, port: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const finish = (error?: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish());
    socket.once('error', (error) => finish(error));
  });
}

/**
 * A TCP endpoint as a startup component: `start` succeeds once a connection to `host:port` opens
 * (it is closed again at once); `check` connects again. A refused or unreachable endpoint fails
 * `transient`, so the policy retries it.
 *
 * @example
 * ```ts
 * const smtp = tcpComponent({ host: 'mail.internal', port: 25, critical: false });
 * ```
 * @throws ConfigError when `host` (a URL, say) or `port` is invalid.
 */
export function tcpComponent(input: TcpComponentOptionsInput): ComponentSpec<TcpEndpoint> {
  if (typeof input.host !== 'string' || input.host === '') {
    throw new ConfigError('tcp.host', 'must be a non-empty host name or address', 'e.g. host: "127.0.0.1"');
  }
  // A URL (or user@host) where a host belongs would reach the component's name and every message,
  // its password with it: refuse it without showing it.
  if (/[/@\s]/.test(input.host)) {
    throw new ConfigError(
      'tcp.host',
      'must be a host name or address, not a URL (the value is not shown: it may hold a password)',
      'give the host alone, e.g. host: "db.internal", and the port as port',
    );
  }
  const port = requireInteger('tcp.port', input.port, 1);
  if (port > 65_535) throw new ConfigError('tcp.port', `${port} is not a port`, 'use 1 to 65535');
  const { host } = input;
  const target = `${host}:${port}`;

  const connect = async (clock: Clock | undefined, signal: AbortSignal): Promise<number> => {
    const began = clock?.now() ?? 0;
    try {
      await probeTcp(host, port, signal);
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      throw toDependencyError('tcp', target, error);
    }
    return (clock?.now() ?? 0) - began;
  };
  const clocks = new WeakMap<TcpEndpoint, Clock>();

  return {
    name: input.name ?? `tcp:${target}`,
    ...(input.critical !== undefined ? { critical: input.critical } : {}),
    ...(input.degradable !== undefined ? { degradable: input.degradable } : {}),
    ...(input.degradesTo !== undefined ? { degradesTo: input.degradesTo } : {}),
    ...(input.dependsOn !== undefined ? { dependsOn: input.dependsOn } : {}),
    ...(input.policy !== undefined ? { policy: input.policy } : {}),
    async start(ctx) {
      const endpoint: TcpEndpoint = { host, port, lastConnectMs: await connect(ctx.clock, ctx.signal) };
      clocks.set(endpoint, ctx.clock);
      return endpoint;
    },
    async check(endpoint, { signal }) {
      endpoint.lastConnectMs = await connect(clocks.get(endpoint), signal);
    },
  };
}
