/**
 * Structured JSON logs through pino, one event per line, with secrets removed at the logger itself:
 * no call site has to remember to redact a URL, an error message or a stack.
 */

import type * as Pino from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';
import { lazyModule } from '../common/lazy-module.js';
import { REDACTED, redactText } from '../common/redact.js';
import { ConfigError } from '../errors/config-error.js';

/**
 * pino's `Logger`, re-exported: the type of what {@link createLogger} returns and of the service
 * context's `logger`, so you can name it without importing pino yourself.
 */
export type { Logger } from 'pino';

const pinoModule = lazyModule<typeof Pino>('pino');

/** Options of {@link createLogger}; every field is optional. */
export interface LoggerOptionsInput {
  /** Lowest level written. @default 'info' */
  readonly level?: Level | 'silent';
  /** Where lines go. @default process.stdout */
  readonly stream?: DestinationStream;
  /** Value of the `name` field of every line. @default undefined (no `name` field) */
  readonly name?: string;
  /** Fields added to every line, next to `pid` (always there; a `pid` here replaces it). @default {} */
  readonly base?: Readonly<Record<string, unknown>>;
  /** More pino `redact` paths, on top of {@link SECRET_PATHS}. @default [] */
  readonly redactPaths?: readonly string[];
}

/** The levels {@link LoggerOptionsInput.level} accepts, lowest first. */
export const LOG_LEVELS: readonly (Level | 'silent')[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

/**
 * `level` if it is one of {@link LOG_LEVELS}. @throws ConfigError naming `path` (pino's own error,
 * "default level:verbose must be included in custom levels", names neither the option nor the fix).
 */
export function checkLogLevel(path: string, level: unknown): Level | 'silent' {
  if (!(LOG_LEVELS as readonly unknown[]).includes(level)) {
    throw new ConfigError(
      path,
      `unknown log level ${JSON.stringify(level) ?? String(level)}`,
      `use one of ${LOG_LEVELS.slice(0, -1).join(', ')} or ${LOG_LEVELS.at(-1)!}`,
    );
  }
  return level as Level | 'silent';
}

/**
 * Object paths whose values are always replaced by `***`, wherever they appear at the top level or
 * one level down (pino `redact` syntax).
 */
export const SECRET_PATHS: readonly string[] = [
  'password',
  'token',
  'secret',
  'apiKey',
  'authorization',
  'cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * Keys whose values are secrets at any depth (the deep walk below censors them): a secret's name,
 * alone or at the end of a longer one (`accessToken`, `DB_PASSWORD`, `proxy-authorization`,
 * `set-cookie`, `sslPassphrase`, `tls.privateKey`, `awsCredentials`); `pass` and `auth` only alone
 * (`bypass` and `oauth` are no secrets; the text redactor hides `auth=...` likewise).
 */
const SECRET_KEY =
  /^(?:pass|auth|[\w.-]*?(?:password|passwd|passphrase|pwd|token|secret|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|authorization|cookie))$/i;

/** Nesting depth beyond which the walk stops and writes a placeholder (guards against huge objects). */
const MAX_DEPTH = 8;

/** How many of an AggregateError's errors a log line keeps. */
const MAX_AGGREGATED = 10;

/**
 * A redacted copy of an error: name, code, message, stack, cause and an AggregateError's `errors`,
 * each with secrets removed.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { message: typeof error === 'string' ? redactText(error) : redactValue(error, depth + 1) };
  }
  const base = pinoModule().stdSerializers.err(error) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    if (key === 'cause' || key === 'aggregateErrors') continue;
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(value, depth + 1);
  }
  // pino's serializer appends every cause's message to `message` and stack to `stack`; the causes
  // are nested under `cause` here, so each keeps its own (a failed startup's chain of four errors
  // otherwise repeats the same text four times in one line).
  out.message = redactText(error.message);
  if (typeof error.stack === 'string') out.stack = redactText(error.stack);
  if (error.cause !== undefined && depth < MAX_DEPTH) out.cause = serializeError(error.cause, depth + 1);
  // An AggregateError's errors are not enumerable, and pino's `aggregateErrors` is not redacted: its
  // message is often empty (a refused dual-stack connect), so without them the line says nothing.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && depth < MAX_DEPTH) {
    out.errors = errors.slice(0, MAX_AGGREGATED).map((item) => serializeError(item, depth + 1));
  }
  return out;
}

/**
 * A copy of `value` in which every string is passed through `redactText`, every secret-looking key
 * is censored, and every `Error` is serialized with {@link serializeError}.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[depth]';
  if (value instanceof Error) return serializeError(value, depth);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Date) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return redactValue((value as { toJSON(): unknown }).toJSON(), depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined ? REDACTED : redactValue(item, depth + 1);
  }
  return out;
}

/**
 * A pino logger that writes one JSON event per line and removes secrets before anything is
 * written: the message, every string field at any depth, and error messages, stacks and causes.
 *
 * @throws ConfigError naming `level` when it is not one of {@link LOG_LEVELS}.
 * @example
 * ```ts
 * const logger = createLogger({ level: 'debug' });
 * logger.info({ url: 'postgres://app:hunter2@db/app' }, 'connecting');
 * // {"level":"info",...,"url":"postgres://app:***@db/app","msg":"connecting"}
 * ```
 */
export function createLogger(options: LoggerOptionsInput = {}): Logger {
  const level = checkLogLevel('level', options.level ?? 'info');
  const stream = options.stream ?? process.stdout;
  const { pino, stdTimeFunctions } = pinoModule();
  const logger = pino(
    {
      level,
      ...(options.name === undefined ? {} : { name: options.name }),
      base: { pid: process.pid, ...options.base },
      timestamp: stdTimeFunctions.isoTime,
      redact: { paths: [...SECRET_PATHS, ...(options.redactPaths ?? [])], censor: REDACTED },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      serializers: {
        msg: (message: unknown) => (typeof message === 'string' ? redactText(message) : message),
        err: (error: unknown) => (error instanceof Error ? serializeError(error) : redactValue(error)),
      },
    },
    stream,
  );
  // pino applies `formatters.bindings` to the root's bindings only; redact a child's bindings here.
  // Children are created with Object.create(parent), so every descendant inherits this override.
  type ChildFactory = (this: unknown, bindings: Record<string, unknown>, options?: object) => Logger;
  const child = logger.child as unknown as ChildFactory;
  const redactingChild: ChildFactory = function (bindings, childOptions) {
    return child.call(this, redactValue(bindings) as Record<string, unknown>, childOptions);
  };
  logger.child = redactingChild as unknown as Logger['child'];
  return logger;
}
