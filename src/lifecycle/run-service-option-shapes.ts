/**
 * The shapes of what {@link runService} is handed besides numbers and names: a clock, a process, an
 * output stream, a server, a logger, callbacks, nested option objects. Checked up front like the
 * rest of its options, so a wrong one is a ConfigError naming it (exit 78), not a TypeError from
 * deep inside startup or cleanup (exit 1, or a crash before any exit code).
 */

import { ConfigError } from '../errors/config-error.js';
import { requireBoolean, requireClock, requireFunction } from '../policies/validate.js';
import type { RunServiceOptionsInput } from './run-service-options.js';

/** `value`, when given, must be an object with a function under each of `methods`. */
function requireMethods(path: string, value: unknown, methods: readonly string[], hint: string): void {
  if (value === undefined) return;
  const missing =
    typeof value === 'object' && value !== null
      ? methods.filter((name) => typeof (value as Record<string, unknown>)[name] !== 'function')
      : methods;
  if (missing.length > 0) {
    throw new ConfigError(
      path,
      `must be an object with ${methods.join(', ')} (missing ${missing.join(', ')})`,
      hint,
    );
  }
}

/** `value`, when given, must be a plain options object (not null, not an array). */
function requireOptionsObject(path: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      path,
      `must be an object of options, got ${value === null ? 'null' : typeof value}`,
      'pass { ... } or leave it out',
    );
  }
}

/**
 * Check the shapes of `input`'s injected parts and nested option objects.
 * @throws ConfigError naming the option.
 */
export function checkRunServiceOptionShapes(input: RunServiceOptionsInput): void {
  if (input.host !== undefined && (typeof input.host !== 'string' || input.host.trim() === '')) {
    // An empty host would bind every interface without a word.
    throw new ConfigError(
      'host',
      `must be an interface address or host name, got ${JSON.stringify(input.host) ?? typeof input.host}`,
      'e.g. "127.0.0.1", or leave it out to bind every interface',
    );
  }
  if (input.signals !== undefined && !Array.isArray(input.signals)) {
    throw new ConfigError(
      'signals',
      `must be an array, got ${typeof input.signals}`,
      'e.g. ["SIGTERM", "SIGINT"]',
    );
  }
  if (input.liveView !== undefined) requireBoolean('liveView', input.liveView);
  if (input.exit !== undefined) requireFunction('exit', input.exit);
  if (input.clock !== undefined) requireClock('clock', input.clock);
  requireMethods('process', input.process, ['on', 'removeListener'], 'pass process or an EventEmitter');
  requireMethods('stdout', input.stdout, ['write'], 'pass process.stdout or an object with write(text)');
  requireMethods('server', input.server, ['listen', 'close'], 'pass a node:http Server or leave it out');
  requireMethods(
    'logger',
    input.logger,
    ['debug', 'info', 'warn', 'error', 'fatal'],
    'pass a pino logger (createLogger) or leave it out',
  );
  requireOptionsObject('health', input.health);
  requireOptionsObject('orchestrator', input.orchestrator);
  requireOptionsObject('loggerOptions', input.loggerOptions);
}
