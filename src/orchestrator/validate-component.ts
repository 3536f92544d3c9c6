import { ConfigError } from '../errors/config-error.js';
import { AVAILABILITY_LEVELS, isAvailability } from './availability.js';
import type { ComponentSpec } from './component.js';

/**
 * Check the shape of one component spec (name, functions, flags, `degradesTo`, `dependsOn` entries,
 * policy). Cross-component rules (duplicates, unknown or cyclic dependencies) live in `definePlan`.
 *
 * @param path Where the component sits in the plan, e.g. `phases[2].components[0]`.
 * @throws ConfigError naming `path` plus the bad field.
 */
export function validateComponent(raw: unknown, path: string): asserts raw is ComponentSpec {
  if (typeof raw !== 'object' || raw === null) {
    throw new ConfigError(path, 'a component must be an object', 'write { name, start(ctx) { ... } }');
  }
  const c = raw as Record<string, unknown>;
  if (typeof c.name !== 'string' || c.name.trim() === '') {
    throw new ConfigError(`${path}.name`, 'a component needs a non-empty name', 'set name, e.g. "postgres"');
  }
  if (typeof c.start !== 'function') {
    throw new ConfigError(
      `${path}.start`,
      `component "${c.name}" has no start function`,
      'add start(ctx) that returns the handle',
    );
  }
  for (const key of ['stop', 'check'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'function') {
      throw new ConfigError(
        `${path}.${key}`,
        `${key} must be a function`,
        `remove ${key} or make it a function`,
      );
    }
  }
  for (const key of ['critical', 'degradable'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'boolean') {
      throw new ConfigError(`${path}.${key}`, `${key} must be true or false`, `set ${key}: true or false`);
    }
  }
  if (c.degradesTo !== undefined) {
    if (!isAvailability(c.degradesTo)) {
      throw new ConfigError(
        `${path}.degradesTo`,
        `${JSON.stringify(c.degradesTo)} is not an availability level`,
        `use one of ${AVAILABILITY_LEVELS.join(', ')}`,
      );
    }
    if (c.degradable !== true) {
      throw new ConfigError(
        `${path}.degradesTo`,
        `component "${c.name}" sets degradesTo but is not degradable`,
        'set degradable: true, or remove degradesTo',
      );
    }
  }
  if (c.dependsOn !== undefined) {
    if (!Array.isArray(c.dependsOn)) {
      throw new ConfigError(
        `${path}.dependsOn`,
        'dependsOn must be an array of names',
        'write dependsOn: ["postgres"]',
      );
    }
    c.dependsOn.forEach((name: unknown, k) => {
      if (typeof name !== 'string' || name === '') {
        throw new ConfigError(
          `${path}.dependsOn[${k}]`,
          'a dependency must be a component name',
          'use the name string of a component',
        );
      }
    });
  }
  if (c.policy !== undefined) {
    const policy = c.policy as { execute?: unknown } | null;
    if (typeof policy !== 'object' || policy === null || typeof policy.execute !== 'function') {
      throw new ConfigError(
        `${path}.policy`,
        'policy must have an execute(fn, options) method',
        'build it with retry(), timeout(), circuitBreaker() or wrap(...)',
      );
    }
  }
}
