import { ConfigError, isConfigError } from '../errors/config-error.js';
import type { ComponentSpec } from './component.js';
import { definePlan, type PhaseInput, type Plan } from './plan.js';

/** The seven phases of the incident's service, in order. */
export const SEVEN_PHASES = [
  'init',
  'dependencies',
  'database',
  'cache',
  'services',
  'websocket',
  'finalize',
] as const;

/** One of {@link SEVEN_PHASES}. */
export type SevenPhaseName = (typeof SEVEN_PHASES)[number];

/** The components of each of the seven phases; a missing or empty phase is left out of the plan. */
export type SevenPhaseComponents = Readonly<Partial<Record<SevenPhaseName, readonly ComponentSpec[]>>>;

/** Options of {@link sevenPhasePlan}. */
export interface SevenPhasePlanOptionsInput {
  /**
   * Budget of each phase: a fixed `budgetMs` or a `share` weight (see {@link PhaseInput}).
   * @default every phase `{ share: 1 }`
   * @example `{ database: { share: 3 }, init: { budgetMs: 2000 } }`
   */
  readonly budgets?: Readonly<
    Partial<Record<SevenPhaseName, { readonly budgetMs?: number; readonly share?: number }>>
  >;
}

/**
 * A plan in the incident's seven-phase shape: `init`, `dependencies`, `database`, `cache`,
 * `services`, `websocket`, `finalize`, in that order.
 *
 * Phases without components are **left out** (a service without a cache simply has no `cache`
 * phase), so they take no share of the budget; a plan with no components at all is rejected. Unknown
 * phase names (a typo such as `databse`) are rejected with a {@link ConfigError}.
 *
 * @example
 * ```ts
 * const plan = sevenPhasePlan(
 *   { init: [config], database: [postgres], cache: [redis], services: [api], websocket: [ws] },
 *   { budgets: { database: { share: 3 } } },
 * );
 * ```
 */
export function sevenPhasePlan(
  components: SevenPhaseComponents,
  options: SevenPhasePlanOptionsInput = {},
): Plan {
  const known = new Set<string>(SEVEN_PHASES);
  for (const [where, record] of [
    ['components', components],
    ['options.budgets', options.budgets ?? {}],
  ] as const) {
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        throw new ConfigError(
          `${where}.${key}`,
          `"${key}" is not one of the seven phases`,
          `use one of ${SEVEN_PHASES.join(', ')}`,
        );
      }
    }
  }
  const phases: PhaseInput[] = [];
  for (const name of SEVEN_PHASES) {
    const list = components[name];
    if (list === undefined || list.length === 0) continue;
    phases.push({ name, components: list, ...options.budgets?.[name] });
  }
  if (phases.length === 0) {
    throw new ConfigError('components', 'no phase has a component', 'give at least one phase a component');
  }
  try {
    return definePlan({ phases });
  } catch (error) {
    if (!isConfigError(error)) throw error;
    // definePlan names paths in the plan it was given, `phases[i]...`: name them as the caller wrote
    // them, since phases without components are left out and `i` is not the phase's place in SEVEN_PHASES.
    const problem = error.problem.replace(/phases\[\d+\][\w.[\]]*/g, (path) => callerPath(path, phases));
    throw new ConfigError(callerPath(error.path, phases), problem, error.hint, error.cause);
  }
}

/**
 * `phases[i].components[j]...` as `components.<phase>[j]...`; `phases[i].budgetMs` (or `.share`) as
 * `options.budgets.<phase>.budgetMs`.
 */
function callerPath(path: string, phases: readonly PhaseInput[]): string {
  const match = /^phases\[(\d+)\](.*)$/.exec(path);
  const name = match ? phases[Number(match[1])]?.name : undefined;
  if (!match || name === undefined) return path;
  const rest = match[2]!;
  return rest.startsWith('.components')
    ? `components.${name}${rest.slice('.components'.length)}`
    : `options.budgets.${name}${rest}`;
}
