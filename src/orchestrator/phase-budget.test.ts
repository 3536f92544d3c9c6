import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { phaseBudget, validatePlanBudget } from './phase-budget.js';
import { definePlan, type PhaseInput } from './plan.js';

const start = async (): Promise<null> => null;
const planOf = (...phases: Array<Omit<PhaseInput, 'components'>>) =>
  definePlan({ phases: phases.map((p, i) => ({ ...p, components: [{ name: `c${i}`, start }] })) });

describe('phaseBudget', () => {
  it('splits the budget equally by default, and time left unused flows forward', () => {
    const plan = planOf({ name: 'a' }, { name: 'b' }, { name: 'c' });
    expect(phaseBudget(plan.phases, 0, 60_000)).toBe(20_000);
    // "a" used only 1 s of its 20 s: "b" gets half of the 59 s left.
    expect(phaseBudget(plan.phases, 1, 59_000)).toBe(29_500);
    expect(phaseBudget(plan.phases, 2, 58_000)).toBe(58_000);
  });

  it('weights by share and reserves the fixed budgets of later phases', () => {
    const plan = planOf(
      { name: 'init', budgetMs: 2_000 },
      { name: 'db', share: 3 },
      { name: 'ws', share: 1 },
      { name: 'fin', budgetMs: 6_000 },
    );
    expect(phaseBudget(plan.phases, 0, 60_000)).toBe(2_000);
    expect(phaseBudget(plan.phases, 1, 59_900)).toBe(((59_900 - 6_000) * 3) / 4);
    expect(phaseBudget(plan.phases, 2, 20_000)).toBe(14_000);
    expect(phaseBudget(plan.phases, 3, 3_000)).toBe(3_000);
    expect(phaseBudget(plan.phases, 1, 0)).toBe(0);
    expect(phaseBudget(plan.phases, 1, Infinity)).toBe(Infinity);
    expect(() => phaseBudget(plan.phases, 9, 1)).toThrow(
      expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'index' }),
    );
  });

  it('never hands out more than what is left, and a sequence of phases never overspends (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ share: fc.integer({ min: 1, max: 10 }) }),
            fc.record({ budgetMs: fc.integer({ min: 1, max: 5_000 }) }),
          ),
          {
            minLength: 1,
            maxLength: 7,
          },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }),
        (specs, used) => {
          const plan = planOf(...specs.map((s, i) => ({ name: `p${i}`, ...s })));
          const total = specs.reduce((sum, s) => sum + ('budgetMs' in s ? s.budgetMs : 0), 0) + 10_000;
          validatePlanBudget(plan, total);
          let remaining = total;
          plan.phases.forEach((phase, i) => {
            const budget = phaseBudget(plan.phases, i, remaining);
            expect(budget).toBeGreaterThanOrEqual(0);
            expect(budget).toBeLessThanOrEqual(remaining + 1e-9);
            if (phase.budgetMs !== undefined) expect(budget).toBe(Math.min(phase.budgetMs, remaining));
            remaining -= budget * used[i]!;
          });
        },
      ),
    );
  });
});

describe('validatePlanBudget', () => {
  it('rejects fixed budgets over the total, naming the phase where the sum crosses it', () => {
    const plan = planOf({ name: 'a', budgetMs: 30_000 }, { name: 'b', budgetMs: 40_000 });
    try {
      validatePlanBudget(plan, 60_000);
      expect.unreachable();
    } catch (error) {
      expect(isConfigError(error) && error.path).toBe('phases[1].budgetMs');
      expect((error as Error).message).toMatch(/70000 ms by phase "b", over the total budget of 60000 ms/);
    }
    expect(() => validatePlanBudget(plan, 70_000)).not.toThrow();
  });

  it('rejects fixed budgets that leave nothing for the weighted phases', () => {
    const plan = planOf({ name: 'a', budgetMs: 60_000 }, { name: 'b' });
    expect(() => validatePlanBudget(plan, 60_000)).toThrow(/leaving nothing for "b"/);
    expect(() => validatePlanBudget(plan, Infinity)).not.toThrow();
  });
});
