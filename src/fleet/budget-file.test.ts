import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isConfigError, type ConfigError } from '../errors/config-error.js';
import { BUDGET_FILE_NUMBERS } from './budget-file-issues.js';
import { budgetFileSchema, parseBudgetFile } from './budget-file.js';

function refusal(yaml: string): ConfigError {
  try {
    parseBudgetFile(yaml, 'plan.yaml');
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error('parseBudgetFile accepted the file');
}

describe('parseBudgetFile messages', () => {
  it('says what a number must be in the words planConnectionBudget uses, with the value and the fix for that key', () => {
    const error = refusal('instances: 2.5\npool: { max: 0 }\nmaxConnections: 100\n');
    expect(error.path).toBe('plan.yaml: instances');
    expect(error.problem).toBe(
      `must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, got 2.5; also pool.max: must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, got 0`,
    );
    expect(error.hint).toBe(
      `set instances to a whole number from 1 to ${Number.MAX_SAFE_INTEGER}; set pool.max to a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
    );
    expect(error.message).not.toMatch(/expected int|received number|Too small/);
  });

  it.each([
    ['probe: { periodSeconds: "ten" }', 'plan.yaml: probe.periodSeconds', 'must be a number > 0, got "ten"'],
    ['startupMargin: 1', 'plan.yaml: startupMargin', 'must be a number in [0, 1), got 1'],
    ['minReadyFraction: 0', 'plan.yaml: minReadyFraction', 'must be a number in (0, 1], got 0'],
    ['maxConnections: 1e400', 'plan.yaml: maxConnections', 'got Infinity'],
    ['headroom: -1', 'plan.yaml: headroom', 'must be a whole number from 0'],
  ])('%s is refused at %s: %s', (yaml, path, problem) => {
    const error = refusal(yaml);
    expect(error.path).toBe(path);
    expect(error.problem).toContain(problem);
    expect(error.hint).toMatch(/^set /);
  });

  it('a mistyped key is named, with the key probably meant', () => {
    const top = refusal('instances: 2\nmaxConections: 100\n');
    expect(top.path).toBe('plan.yaml: (top level)');
    expect(top.problem).toBe('unknown key "maxConections"');
    expect(top.hint).toBe('did you mean maxConnections?');
    const nested = refusal('pool: { Max: 10, maxOverflw: 2 }\n');
    expect(nested.path).toBe('plan.yaml: pool');
    expect(nested.problem).toBe('unknown keys "Max", "maxOverflw"');
    expect(nested.hint).toBe('did you mean max, maxOverflow?');
    const unlike = refusal('replicas: 2\n');
    expect(unlike.hint).toContain('the keys at the top level are instances, maxInstances, pool,');
  });

  it('a mapping given as something else says the shape and an example', () => {
    const role = refusal('roleLimit: -1\n');
    expect(role.path).toBe('plan.yaml: roleLimit');
    expect(role.problem).toBe('must be { limit, otherClients }, got -1');
    expect(role.hint).toContain('leave roleLimit out when the role has no limit');
    expect(refusal('pool: 10\n').problem).toBe('must be { poolSize, maxOverflow } or { min, max }, got 10');
    const list = refusal('- 1\n- 2\n');
    expect(list.path).toBe('plan.yaml: (top level)');
    expect(list.problem).toBe('must be a mapping of plan keys, got a list');
  });

  it('has a rule for every number of the schema, and none for a key it does not have', () => {
    const leaves: string[] = [];
    const walk = (shape: Record<string, z.ZodType>, prefix: string): void => {
      for (const [key, schema] of Object.entries(shape)) {
        const inner = (schema as z.ZodOptional).unwrap?.() ?? schema;
        if (inner instanceof z.ZodObject) walk(inner.shape as Record<string, z.ZodType>, `${prefix}${key}.`);
        else leaves.push(`${prefix}${key}`);
      }
    };
    walk(budgetFileSchema.shape, '');
    expect(Object.keys(BUDGET_FILE_NUMBERS).sort()).toEqual(leaves.sort());
  });
});
