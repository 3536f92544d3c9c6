import { countNoun } from '../common/count-noun.js';
import type { ConnectionBudget } from './connection-budget.js';

/**
 * A connection budget as a table a person reads in a terminal: the verdict first, then the numbers
 * that fit, then the reasons.
 *
 * @example
 * ```ts
 * process.stdout.write(formatConnectionBudget(planConnectionBudget(input)));
 * ```
 */
export function formatConnectionBudget(plan: ConnectionBudget): string {
  const r = plan.recommended;
  const rows: Array<[string, string]> = [
    [
      'verdict',
      plan.fits ? 'FITS' : `OVERCOMMITTED by ${countNoun(plan.overcommittedBy, 'connection')} at peak`,
    ],
    [
      'instances',
      plan.maxInstances === plan.instances
        ? String(plan.instances)
        : `${plan.instances} (up to ${plan.maxInstances} during a rollout)`,
    ],
    ['connections per instance', `up to ${plan.perInstanceMax}`],
    ['peak connections', String(plan.peakConnections)],
    [
      'available connections',
      plan.limitedBy === 'server'
        ? String(plan.availableConnections)
        : `${plan.availableConnections} (set by the ${plan.limitedBy}'s connection limit)`,
    ],
    ['instances that fit', String(plan.maxInstancesThatFit)],
    ['per-instance fair share', String(plan.perInstanceFairShare)],
  ];
  const recommended: Array<[string, string]> = r.feasible
    ? [
        ['DB_POOL_MAX', String(r.poolMax)],
        ['DB_POOL_MIN_READY', String(r.minReady)],
        ['admission width K', String(r.admissionWidth)],
        ['headroom kept free', String(r.headroom)],
        [
          'startup budget',
          r.startupBudgetMs === null
            ? 'give --probe-period and --probe-failure-threshold'
            : `${r.startupBudgetMs} ms (probe window ${plan.probeWindowMs} ms)`,
        ],
        ['all ready, at best', `${plan.estimates.allReadyMs} ms`],
        ['all pools warm, at best', `${plan.estimates.allWarmMs} ms`],
      ]
    : [['recommendation', 'none fits (see below)']];
  const width = Math.max(...[...rows, ...recommended].map(([label]) => label.length));
  const table = (entries: Array<[string, string]>): string =>
    entries.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
  return [
    'Connection budget',
    table(rows),
    '',
    'Recommended',
    table(recommended),
    '',
    'Why',
    ...plan.reasons.map((reason) => `  - ${reason}`),
    '',
  ].join('\n');
}
