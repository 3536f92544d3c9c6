import { ConfigError } from '../errors/config-error.js';
import type { Phase, Plan } from './plan.js';

/**
 * Check that the fixed phase budgets of `plan` fit in the total startup budget, leaving time for the
 * weighted phases if there are any.
 *
 * @throws ConfigError at the first `phases[i].budgetMs` that makes the sum exceed `totalMs`, or at
 *   `budgetMs` when fixed budgets leave nothing for the weighted phases.
 */
export function validatePlanBudget(plan: Plan, totalMs: number): void {
  let sum = 0;
  for (const phase of plan.phases) {
    if (phase.budgetMs === undefined) continue;
    sum += phase.budgetMs;
    if (sum > totalMs) {
      throw new ConfigError(
        `phases[${phase.index}].budgetMs`,
        `fixed phase budgets add up to ${sum} ms by phase "${phase.name}", over the total budget of ${totalMs} ms`,
        'lower the fixed phase budgets, use share weights instead, or raise the total budgetMs',
      );
    }
  }
  const weighted = plan.phases.filter((p) => p.budgetMs === undefined);
  if (weighted.length > 0 && sum >= totalMs) {
    throw new ConfigError(
      'budgetMs',
      `fixed phase budgets use all ${totalMs} ms, leaving nothing for ${weighted.map((p) => `"${p.name}"`).join(', ')}`,
      'raise the total budgetMs or lower the fixed phase budgets',
    );
  }
}

/**
 * The budget a phase gets when it starts, given the time `remainingMs` left of the total budget.
 *
 * - A fixed-budget phase gets `min(budgetMs, remainingMs)`.
 * - A weighted phase gets its share of the free time: `remainingMs` minus the fixed budgets of later
 *   phases, split by weight between this phase and every later weighted phase. Time earlier phases
 *   did not use is part of `remainingMs`, so it flows forward.
 *
 * @throws ConfigError (`PG_ERR_CONFIG`) at `index` when `phases` has no phase there.
 *
 * @example
 * ```ts
 * // three equal phases, 60 s total; the first used 1 s of its 20 s:
 * phaseBudget(plan.phases, 1, 59_000); // 29_500
 * ```
 */
export function phaseBudget(phases: readonly Phase[], index: number, remainingMs: number): number {
  const phase = phases[index];
  if (!phase) {
    throw new ConfigError(
      'index',
      `no phase at index ${index} (the plan has ${phases.length})`,
      `pass an index from 0 to ${phases.length - 1}`,
    );
  }
  if (remainingMs <= 0) return 0;
  if (phase.budgetMs !== undefined) return Math.min(phase.budgetMs, remainingMs);
  let reserved = 0;
  let weights = 0;
  for (const later of phases.slice(index)) {
    if (later.budgetMs !== undefined) reserved += later.budgetMs;
    else weights += later.share ?? 1;
  }
  if (!Number.isFinite(remainingMs)) return Infinity;
  const free = Math.max(0, remainingMs - reserved);
  return (free * (phase.share ?? 1)) / weights;
}
