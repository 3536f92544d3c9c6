import { ConfigError } from '../errors/config-error.js';
import type { ComponentSpec } from './component.js';
import { validateComponent } from './validate-component.js';

/** One phase as written by the user. */
export interface PhaseInput {
  /** Unique phase name (shown in `/health`, errors and the timeline). */
  readonly name: string;
  /**
   * A fixed budget for this phase, in ms. The phase gets exactly this (capped by what is left of the
   * total budget) and never inherits time earlier phases did not use. Exclusive with `share`.
   * @default none (the phase is weighted by `share`)
   */
  readonly budgetMs?: number;
  /**
   * Relative weight of this phase in the time not reserved by fixed budgets. When the phase starts,
   * it gets `free × share / (sum of the shares of this and every later weighted phase)`, where `free`
   * is what is left of the total budget minus the fixed budgets of later phases, so time earlier
   * phases did not use flows forward. Exclusive with `budgetMs`. @default 1
   */
  readonly share?: number;
  /** The components of this phase; at least one. */
  readonly components: readonly ComponentSpec[];
}

/** A plan as written by the user: named, ordered phases. */
export interface PlanInput {
  /** The phases, in the order they start; at least one. */
  readonly phases: readonly PhaseInput[];
}

/** A validated phase. */
export interface Phase {
  /** Phase name, unique in the plan. */
  readonly name: string;
  /** 0-based position in the plan. */
  readonly index: number;
  /** Fixed budget, or `undefined` for a weighted phase. */
  readonly budgetMs: number | undefined;
  /** Weight of a weighted phase (1 by default), or `undefined` for a fixed-budget phase. */
  readonly share: number | undefined;
  /** The components of this phase, as given. */
  readonly components: readonly ComponentSpec[];
}

/**
 * A validated, frozen plan. The plan, its phases and their component arrays are frozen; the
 * component specs themselves are kept as given (they may be objects with state of their own).
 */
export interface Plan {
  /** The phases, in plan order. */
  readonly phases: readonly Phase[];
  /** Every component by name. */
  readonly components: ReadonlyMap<string, { readonly spec: ComponentSpec; readonly phase: Phase }>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * Validate `input` and return a frozen {@link Plan}.
 *
 * Rejects, with a {@link ConfigError} naming the offending path and the fix: no phases, a phase
 * without components, duplicate phase or component names, a `dependsOn` that names an unknown
 * component, itself, a component of a later phase, or closes a cycle, and bad budgets (`budgetMs`
 * or `share` not a positive finite number, or both set on one phase).
 *
 * @example
 * ```ts
 * const plan = definePlan({
 *   phases: [
 *     { name: 'database', share: 2, components: [postgres] },
 *     { name: 'services', components: [{ name: 'api', dependsOn: ['postgres'], start: startApi }] },
 *   ],
 * });
 * ```
 */
export function definePlan(input: PlanInput): Plan {
  if (typeof (input as { then?: unknown } | null)?.then === 'function') {
    throw new ConfigError(
      'phases',
      'the plan is a Promise (an async plan factory?)',
      'build the plan synchronously; do asynchronous setup in components, whose start() may be async',
    );
  }
  if (!isRecord(input) || !Array.isArray(input.phases)) {
    throw new ConfigError('phases', 'a plan needs a `phases` array', 'pass definePlan({ phases: [...] })');
  }
  if (input.phases.length === 0) {
    throw new ConfigError('phases', 'the plan has no phases', 'add at least one phase with a component');
  }
  const phaseNames = new Map<string, number>();
  const owner = new Map<string, { phase: number; path: string }>();
  const phases: Phase[] = [];
  input.phases.forEach((raw: unknown, index) => {
    const path = `phases[${index}]`;
    const phase = validatePhase(raw, path, index);
    const previous = phaseNames.get(phase.name);
    if (previous !== undefined) {
      throw new ConfigError(
        `${path}.name`,
        `duplicate phase name "${phase.name}" (also phases[${previous}])`,
        'give each phase a unique name',
      );
    }
    phaseNames.set(phase.name, index);
    phase.components.forEach((component, j) => {
      const componentPath = `${path}.components[${j}]`;
      validateComponent(component, componentPath);
      const other = owner.get(component.name);
      if (other) {
        throw new ConfigError(
          `${componentPath}.name`,
          `duplicate component name "${component.name}" (also ${other.path})`,
          'give each component a unique name across the whole plan',
        );
      }
      owner.set(component.name, { phase: index, path: componentPath });
    });
    phases.push(phase);
  });
  for (const phase of phases) validateDependencies(phase, phases, owner);
  const components = new Map<string, { spec: ComponentSpec; phase: Phase }>();
  for (const phase of phases) {
    for (const spec of phase.components) components.set(spec.name, Object.freeze({ spec, phase }));
  }
  return Object.freeze({ phases: Object.freeze(phases), components });
}

function validatePhase(raw: unknown, path: string, index: number): Phase {
  if (!isRecord(raw)) {
    throw new ConfigError(path, 'a phase must be an object', 'write { name, components: [...] }');
  }
  const name = raw.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigError(`${path}.name`, 'a phase needs a non-empty name', 'set name, e.g. "database"');
  }
  const components = raw.components;
  if (!Array.isArray(components)) {
    throw new ConfigError(
      `${path}.components`,
      `phase "${name}" needs a components array`,
      'list the components it starts',
    );
  }
  if (components.length === 0) {
    throw new ConfigError(
      `${path}.components`,
      `phase "${name}" has no components`,
      'add a component or remove the phase',
    );
  }
  const { budgetMs, share } = raw;
  if (budgetMs !== undefined && share !== undefined) {
    throw new ConfigError(
      path,
      `phase "${name}" sets both budgetMs and share`,
      'set budgetMs (a fixed budget) or share (a weight of the remaining budget), not both',
    );
  }
  if (budgetMs !== undefined && !isPositiveFinite(budgetMs)) {
    throw new ConfigError(
      `${path}.budgetMs`,
      `${String(budgetMs)} is not a valid budget`,
      'use a positive, finite number of milliseconds, or leave it out to share the remaining budget',
    );
  }
  if (share !== undefined && !isPositiveFinite(share)) {
    throw new ConfigError(
      `${path}.share`,
      `${String(share)} is not a valid share`,
      'use a positive, finite weight (phases without budgetMs default to 1)',
    );
  }
  return Object.freeze({
    name,
    index,
    budgetMs: budgetMs as number | undefined,
    share: budgetMs === undefined ? ((share as number | undefined) ?? 1) : undefined,
    components: Object.freeze([...(components as ComponentSpec[])]),
  });
}

function isPositiveFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function validateDependencies(
  phase: Phase,
  phases: readonly Phase[],
  owner: ReadonlyMap<string, { phase: number; path: string }>,
): void {
  phase.components.forEach((component, j) => {
    const path = `phases[${phase.index}].components[${j}].dependsOn`;
    const seen = new Set<string>();
    (component.dependsOn ?? []).forEach((dependency, k) => {
      const at = `${path}[${k}]`;
      if (seen.has(dependency)) {
        throw new ConfigError(at, `"${dependency}" is listed twice`, 'list each dependency once');
      }
      seen.add(dependency);
      if (dependency === component.name) {
        throw new ConfigError(
          at,
          `"${component.name}" depends on itself`,
          'remove it from its own dependsOn',
        );
      }
      const target = owner.get(dependency);
      if (!target) {
        throw new ConfigError(
          at,
          `unknown component "${dependency}"`,
          `name a component of phase "${phase.name}" or an earlier phase`,
        );
      }
      if (target.phase > phase.index) {
        throw new ConfigError(
          at,
          `"${dependency}" starts in a later phase ("${phases[target.phase]!.name}") than "${component.name}" ("${phase.name}")`,
          `move "${dependency}" to phase "${phase.name}" or earlier, or "${component.name}" later`,
        );
      }
    });
  });
  const cycle = findCycle(phase);
  if (cycle) {
    const [first, second] = cycle;
    const j = phase.components.findIndex((c) => c.name === first);
    const k = (phase.components[j]!.dependsOn ?? []).indexOf(second!);
    throw new ConfigError(
      `phases[${phase.index}].components[${j}].dependsOn[${k}]`,
      `dependency cycle ${cycle.join(' -> ')}`,
      'break the cycle: a component cannot wait, directly or not, for itself',
    );
  }
}

/** A cycle among the same-phase dependencies, as names from a component back to itself. */
function findCycle(phase: Phase): string[] | undefined {
  const local = new Map(phase.components.map((c) => [c.name, c]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const mark = state.get(name);
    if (mark === 'done') return undefined;
    if (mark === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dependency of local.get(name)!.dependsOn ?? []) {
      if (!local.has(dependency)) continue;
      const found = visit(dependency);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const component of phase.components) {
    const found = visit(component.name);
    if (found) return found;
  }
  return undefined;
}
