/**
 * Validation problems of a scenario (or a strategy's options) told in the file's terms: the field's
 * path, what is wrong in words (`is required`, `must be at least 1, got 0`), and for an unknown
 * field the fields that are allowed there, with the likely one first.
 */

import type { z } from 'zod';
import { ConfigError } from '../index.js';

/** `['strategies', 1, 'name']` → `strategies[1].name`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** A value as the file wrote it, for `got …`. */
function shown(value: unknown): string {
  if (value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping of fields',
  array: 'a list',
};

/**
 * Messages for the problems zod would describe in its own terms ("Invalid input: expected object,
 * received undefined"). Messages a schema gives itself take precedence over these.
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  const got = `, got ${shown(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      if (typeof issue.input === 'number' && issue.expected === 'number') {
        return `must be a finite number${got}`;
      }
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}${got}`;
    }
    case 'too_small':
      if (issue.origin === 'number') {
        return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}${got}`;
      }
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') {
        return issue.minimum === 1
          ? 'must not be empty'
          : `must have at least ${String(issue.minimum)} entries`;
      }
      return undefined;
    case 'too_big':
      if (issue.origin === 'number') {
        return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}${got}`;
      }
      return undefined;
    default:
      return undefined;
  }
};

/**
 * The object schema at `path` (numbers index lists), inside defaults, optionals and unions (a
 * duration is a number or `{ min, max }`); `undefined` if there is none.
 */
function objectAt(schema: z.core.$ZodType, path: ReadonlyArray<PropertyKey>): ObjectDef | undefined {
  const def = schema._zod.def as unknown as SchemaDef;
  if (def.innerType !== undefined) return objectAt(def.innerType, path);
  if (def.type === 'pipe' && def.in !== undefined) return objectAt(def.in, path);
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const found = objectAt(option, path);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const [key, ...rest] = path;
  if (def.type === 'object' && def.shape !== undefined) {
    if (key === undefined) return { shape: def.shape };
    const field = def.shape[String(key)];
    return field === undefined ? undefined : objectAt(field, rest);
  }
  if (def.type === 'array' && def.element !== undefined && typeof key === 'number') {
    return objectAt(def.element, rest);
  }
  return undefined;
}

/** The parts of a zod schema's definition {@link objectAt} walks through. */
interface SchemaDef {
  readonly type: string;
  readonly innerType?: z.core.$ZodType;
  readonly in?: z.core.$ZodType;
  readonly options?: readonly z.core.$ZodType[];
  readonly element?: z.core.$ZodType;
  readonly shape?: Readonly<Record<string, z.core.$ZodType>>;
}

/** An object schema's fields. */
interface ObjectDef {
  readonly shape: Readonly<Record<string, z.core.$ZodType>>;
}

/** Edits turning `a` into `b` (Levenshtein distance). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase();
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (same ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length]!;
}

/** `unknown field`, plus the fields allowed there, and the closest one if it is close. */
function unknownField(key: string, allowed: readonly string[]): string {
  if (allowed.length === 0) return 'unknown field';
  const [closest] = [...allowed].sort((a, b) => distance(key, a) - distance(key, b));
  const near = closest !== undefined && distance(key, closest) <= Math.max(2, Math.floor(key.length / 3));
  return `unknown field${near ? ` (did you mean ${closest}?)` : ''}; the fields here are ${allowed.join(', ')}`;
}

/** A zod issue as a field path and a problem (an unknown key is named in the path). */
function describeIssue(
  issue: z.core.$ZodIssue,
  schema: z.core.$ZodType,
): { path: ReadonlyArray<PropertyKey>; problem: string } {
  if (issue.code !== 'unrecognized_keys') return { path: issue.path, problem: issue.message };
  const allowed = Object.keys(objectAt(schema, issue.path)?.shape ?? {});
  return { path: [...issue.path, issue.keys[0]!], problem: unknownField(issue.keys[0]!, allowed) };
}

/**
 * Validate `input` with `schema`; on failure throw a {@link ConfigError} naming the first bad field
 * (after `prefix`, e.g. `strategies[0]`), with any other problems following in its message.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: string,
  hint: string,
): z.output<S> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues.map((issue) => describeIssue(issue, schema));
  const others = rest.map(({ path, problem }) => `${formatPath(path, prefix)}: ${problem}`);
  const problem = others.length === 0 ? first!.problem : `${first!.problem}; also ${others.join('; ')}`;
  throw new ConfigError(formatPath(first!.path, prefix), problem, hint);
}
