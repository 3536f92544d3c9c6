import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConfigError, type ConfigError } from '../errors/config-error.js';
import type { ComponentSpec } from './component.js';
import { definePlan, type PhaseInput } from './plan.js';
import { SEVEN_PHASES, sevenPhasePlan } from './seven-phase.js';

const start = async (): Promise<string> => 'handle';
const c = (name: string, extra: Partial<ComponentSpec> = {}): ComponentSpec => ({ name, start, ...extra });

/** The ConfigError `fn` throws (fails the test when it throws nothing or something else). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('definePlan', () => {
  it('returns a frozen plan with phases in order and every component by name', () => {
    const db = c('db');
    const plan = definePlan({
      phases: [
        { name: 'init', budgetMs: 1000, components: [c('config')] },
        { name: 'database', share: 3, components: [db, c('migrate', { dependsOn: ['db', 'config'] })] },
      ],
    });
    expect(plan.phases.map((p) => [p.name, p.index, p.budgetMs, p.share])).toEqual([
      ['init', 0, 1000, undefined],
      ['database', 1, undefined, 3],
    ]);
    expect(plan.components.get('db')).toEqual({ spec: db, phase: plan.phases[1] });
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.phases)).toBe(true);
    expect(Object.isFrozen(plan.phases[1])).toBe(true);
    expect(Object.isFrozen(plan.phases[1]!.components)).toBe(true);
    expect(Object.isFrozen(db)).toBe(false);
  });

  it('gives a phase without budgetMs or share a share of 1', () => {
    expect(definePlan({ phases: [{ name: 'a', components: [c('x')] }] }).phases[0]!.share).toBe(1);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['no phases array', {}, 'phases', /needs a `phases` array/],
    ['a Promise (an async plan factory)', Promise.resolve({ phases: [] }), 'phases', /is a Promise/],
    ['no phases', { phases: [] }, 'phases', /no phases/],
    ['a phase that is not an object', { phases: [null] }, 'phases[0]', /must be an object/],
    ['a nameless phase', { phases: [{ name: ' ', components: [c('x')] }] }, 'phases[0].name', /non-empty/],
    [
      'an empty phase',
      { phases: [{ name: 'a', components: [] }] },
      'phases[0].components',
      /has no components/,
    ],
    ['components not an array', { phases: [{ name: 'a' }] }, 'phases[0].components', /components array/],
    [
      'a duplicate phase',
      {
        phases: [
          { name: 'a', components: [c('x')] },
          { name: 'a', components: [c('y')] },
        ],
      },
      'phases[1].name',
      /duplicate phase name "a" \(also phases\[0\]\)/,
    ],
    [
      'a duplicate component across phases',
      {
        phases: [
          { name: 'a', components: [c('x')] },
          { name: 'b', components: [c('y'), c('x')] },
        ],
      },
      'phases[1].components[1].name',
      /duplicate component name "x" \(also phases\[0\]\.components\[0\]\)/,
    ],
    [
      'an unknown dependency',
      { phases: [{ name: 'a', components: [c('x'), c('y', { dependsOn: ['x', 'z'] })] }] },
      'phases[0].components[1].dependsOn[1]',
      /unknown component "z"/,
    ],
    [
      'a dependency on a later phase',
      {
        phases: [
          { name: 'a', components: [c('x', { dependsOn: ['y'] })] },
          { name: 'b', components: [c('y')] },
        ],
      },
      'phases[0].components[0].dependsOn[0]',
      /later phase \("b"\)/,
    ],
    [
      'a self dependency',
      { phases: [{ name: 'a', components: [c('x', { dependsOn: ['x'] })] }] },
      'phases[0].components[0].dependsOn[0]',
      /depends on itself/,
    ],
    [
      'a repeated dependency',
      { phases: [{ name: 'a', components: [c('x'), c('y', { dependsOn: ['x', 'x'] })] }] },
      'phases[0].components[1].dependsOn[1]',
      /listed twice/,
    ],
    [
      'a cycle',
      {
        phases: [
          {
            name: 'a',
            components: [
              c('x', { dependsOn: ['z'] }),
              c('y', { dependsOn: ['x'] }),
              c('z', { dependsOn: ['y'] }),
            ],
          },
        ],
      },
      'phases[0].components[0].dependsOn[0]',
      /cycle x -> z -> y -> x/,
    ],
    [
      'a negative budget',
      { phases: [{ name: 'a', budgetMs: -1, components: [c('x')] }] },
      'phases[0].budgetMs',
      /-1/,
    ],
    [
      'a NaN budget',
      { phases: [{ name: 'a', budgetMs: NaN, components: [c('x')] }] },
      'phases[0].budgetMs',
      /NaN/,
    ],
    [
      'an infinite budget',
      { phases: [{ name: 'a', budgetMs: Infinity, components: [c('x')] }] },
      'phases[0].budgetMs',
      /Infinity/,
    ],
    [
      'a zero share',
      { phases: [{ name: 'a', share: 0, components: [c('x')] }] },
      'phases[0].share',
      /0 is not a valid share/,
    ],
    [
      'budgetMs and share together',
      { phases: [{ name: 'a', share: 1, budgetMs: 5, components: [c('x')] }] },
      'phases[0]',
      /both budgetMs and share/,
    ],
    [
      'a component without start',
      { phases: [{ name: 'a', components: [{ name: 'x' }] }] },
      'phases[0].components[0].start',
      /no start/,
    ],
    [
      'a nameless component',
      { phases: [{ name: 'a', components: [{ start }] }] },
      'phases[0].components[0].name',
      /non-empty/,
    ],
    [
      'a component that is not an object',
      { phases: [{ name: 'a', components: [7] }] },
      'phases[0].components[0]',
      /must be an object/,
    ],
    [
      'a bad stop',
      { phases: [{ name: 'a', components: [c('x', { stop: 1 as never })] }] },
      'phases[0].components[0].stop',
      /function/,
    ],
    [
      'a bad critical flag',
      { phases: [{ name: 'a', components: [c('x', { critical: 'yes' as never })] }] },
      'phases[0].components[0].critical',
      /true or false/,
    ],
    [
      'an unknown availability',
      { phases: [{ name: 'a', components: [c('x', { degradable: true, degradesTo: 'HALF' as never })] }] },
      'phases[0].components[0].degradesTo',
      /not an availability level/,
    ],
    [
      'degradesTo without degradable',
      { phases: [{ name: 'a', components: [c('x', { degradesTo: 'MINIMAL' })] }] },
      'phases[0].components[0].degradesTo',
      /not degradable/,
    ],
    [
      'dependsOn not an array',
      { phases: [{ name: 'a', components: [c('x', { dependsOn: 'y' as never })] }] },
      'phases[0].components[0].dependsOn',
      /array/,
    ],
    [
      'a non-string dependency',
      { phases: [{ name: 'a', components: [c('x', { dependsOn: [3 as never] })] }] },
      'phases[0].components[0].dependsOn[0]',
      /component name/,
    ],
    [
      'a policy without execute',
      { phases: [{ name: 'a', components: [c('x', { policy: {} as never })] }] },
      'phases[0].components[0].policy',
      /execute/,
    ],
  ])('rejects %s with the path and a fix', (_label, input, path, problem) => {
    const error = configErrorOf(() => definePlan(input as never));
    expect(error.path).toBe(path);
    expect(error.message).toMatch(problem);
    expect(error.hint).toBeTruthy();
    expect(error.message).toContain('(fix: ');
  });

  describe('properties', () => {
    /** A random DAG: components numbered in topological order, split into consecutive phases. */
    const dagArbitrary = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), {
          minLength: n,
          maxLength: n,
        }),
        cuts: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      }),
    );

    /** Phases from a DAG: dependencies only point to lower numbers, so to the same or an earlier phase. */
    function phasesOf({
      n,
      edges,
      cuts,
      order,
    }: {
      n: number;
      edges: boolean[][];
      cuts: boolean[];
      order: number[];
    }) {
      const phases: { name: string; members: number[] }[] = [{ name: 'p0', members: [] }];
      for (let i = 0; i < n; i++) {
        if (i > 0 && cuts[i]) phases.push({ name: `p${phases.length}`, members: [] });
        phases.at(-1)!.members.push(i);
      }
      const spec = (i: number): ComponentSpec =>
        c(`c${i}`, { dependsOn: [...Array(i).keys()].filter((j) => edges[i]![j]).map((j) => `c${j}`) });
      // Within a phase, list components in a shuffled order: validation must not depend on it.
      const rank = new Map(order.map((value, index) => [value, index]));
      return phases.map((p): PhaseInput => ({
        name: p.name,
        components: [...p.members].sort((a, b) => rank.get(a)! - rank.get(b)!).map(spec),
      }));
    }

    it('accepts every DAG whose dependencies point to the same or an earlier phase', () => {
      fc.assert(
        fc.property(dagArbitrary, (dag) => {
          const plan = definePlan({ phases: phasesOf(dag) });
          expect(plan.components.size).toBe(dag.n);
        }),
      );
    });

    it('rejects any back edge that closes a cycle, naming a dependsOn path', () => {
      fc.assert(
        fc.property(
          dagArbitrary.filter((d) => d.n >= 2),
          fc.nat(),
          fc.nat(),
          (dag, a, b) => {
            // Put everything in one phase and make a path low -> ... -> high, then add high <- low.
            const low = a % dag.n;
            let high = b % dag.n;
            if (high === low) high = (low + 1) % dag.n;
            const [from, to] = low < high ? [low, high] : [high, low];
            const edges = dag.edges.map((row) => [...row]);
            for (let i = from + 1; i <= to; i++) edges[i]![i - 1] = true; // to depends (transitively) on from
            const phases = phasesOf({ ...dag, edges, cuts: dag.cuts.map(() => false) });
            const components = phases[0]!.components.map((spec) =>
              spec.name === `c${from}` ? { ...spec, dependsOn: [...(spec.dependsOn ?? []), `c${to}`] } : spec,
            );
            const error = configErrorOf(() => definePlan({ phases: [{ name: 'p0', components }] }));
            expect(error.path).toMatch(/^phases\[0\]\.components\[\d+\]\.dependsOn\[\d+\]$/);
            expect(error.problem).toMatch(/^(dependency cycle|".*" depends on itself)/);
          },
        ),
      );
    });

    it('rejects any duplicated component name', () => {
      fc.assert(
        fc.property(dagArbitrary, fc.nat(), fc.nat(), (dag, a, b) => {
          const phases = phasesOf({ ...dag, edges: dag.edges.map((r) => r.map(() => false)) });
          const all = phases.flatMap((p, pi) => p.components.map((spec, ci) => ({ pi, ci, spec })));
          const source = all[a % all.length]!;
          const phaseIndex = b % phases.length;
          const copy = c(source.spec.name);
          const withDuplicate = phases.map((p, pi) =>
            pi === phaseIndex ? { ...p, components: [...p.components, copy] } : p,
          );
          const error = configErrorOf(() => definePlan({ phases: withDuplicate }));
          expect(error.problem).toContain(`duplicate component name "${source.spec.name}"`);
          expect(error.path).toMatch(/\.name$/);
        }),
      );
    });
  });
});

describe('sevenPhasePlan', () => {
  it('orders the seven phases and leaves out the empty ones', () => {
    const plan = sevenPhasePlan(
      { websocket: [c('ws')], init: [c('config')], cache: [], database: [c('pg')], finalize: [c('warm')] },
      { budgets: { database: { share: 3 }, init: { budgetMs: 500 } } },
    );
    expect(plan.phases.map((p) => p.name)).toEqual(['init', 'database', 'websocket', 'finalize']);
    expect(plan.phases[0]!.budgetMs).toBe(500);
    expect(plan.phases[1]!.share).toBe(3);
    expect(SEVEN_PHASES).toEqual([
      'init',
      'dependencies',
      'database',
      'cache',
      'services',
      'websocket',
      'finalize',
    ]);
  });

  it('rejects an unknown phase name, a budget for one, and a plan with no components', () => {
    expect(configErrorOf(() => sevenPhasePlan({ databse: [c('pg')] } as never)).path).toBe(
      'components.databse',
    );
    expect(
      configErrorOf(() => sevenPhasePlan({ init: [c('a')] }, { budgets: { web: {} } as never })).path,
    ).toBe('options.budgets.web');
    expect(configErrorOf(() => sevenPhasePlan({ cache: [] })).path).toBe('components');
  });

  it('still validates dependencies across the phases', () => {
    const error = configErrorOf(() =>
      sevenPhasePlan({ database: [c('pg', { dependsOn: ['redis'] })], cache: [c('redis')] }),
    );
    expect(error.path).toBe('components.database[0].dependsOn[0]');
    expect(error.problem).toContain('later phase ("cache")');
  });

  it('names a bad setting where the caller wrote it, not in the plan without the empty phases', () => {
    const noStart = { name: 'pg' } as unknown as ComponentSpec;
    const bad = configErrorOf(() => sevenPhasePlan({ init: [], database: [c('config'), noStart] }));
    expect(bad.path).toBe('components.database[1].start');
    expect(bad.message).toContain('Invalid configuration at components.database[1].start');
    const both = configErrorOf(() =>
      sevenPhasePlan({ cache: [c('redis')] }, { budgets: { cache: { budgetMs: 1_000, share: 2 } } }),
    );
    expect(both.path).toBe('options.budgets.cache');
    const budget = configErrorOf(() =>
      sevenPhasePlan({ cache: [c('redis')] }, { budgets: { cache: { budgetMs: -1 } } }),
    );
    expect(budget.path).toBe('options.budgets.cache.budgetMs');
    const twice = configErrorOf(() => sevenPhasePlan({ database: [c('pg')], services: [c('pg')] }));
    expect(twice.path).toBe('components.services[0].name');
    expect(twice.problem).toBe('duplicate component name "pg" (also components.database[0])');
  });
});
