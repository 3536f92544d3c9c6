import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { describeFileIssue } from './budget-file-issues.js';

const count = z.number().int().min(0);
const positiveCount = z.number().int().min(1);
const connectionLimit = z.object({ limit: count, otherClients: count.optional() }).strict();

/**
 * Schema of a budget file (`phasegate plan --file plan.yaml`). Every field is optional here, since
 * flags can supply or override it; `planConnectionBudget` checks that the required ones are set.
 * Unknown keys are rejected so that a typo does not silently fall back to a default.
 *
 * @example
 * ```yaml
 * instances: 4
 * maxInstances: 5          # replicas plus surge
 * pool: { poolSize: 20, maxOverflow: 30 }   # or { min: 2, max: 10 }
 * maxConnections: 100
 * superuserReserved: 3
 * otherClients: 6
 * roleLimit: { limit: 40, otherClients: 2 }   # ALTER ROLE app CONNECTION LIMIT 40
 * probe: { periodSeconds: 10, failureThreshold: 9 }
 * ```
 */
export const budgetFileSchema = z
  .object({
    instances: positiveCount.optional(),
    maxInstances: positiveCount.optional(),
    pool: z
      .object({
        poolSize: count.optional(),
        maxOverflow: count.optional(),
        min: count.optional(),
        max: positiveCount.optional(),
      })
      .strict()
      .optional(),
    otherClients: count.optional(),
    roleLimit: connectionLimit.optional(),
    databaseLimit: connectionLimit.optional(),
    maxConnections: positiveCount.optional(),
    superuserReserved: count.optional(),
    headroom: count.optional(),
    // As with the flags, the half not given takes the Kubernetes default (10 s, 3 failures).
    probe: z
      .object({ periodSeconds: z.number().positive().optional(), failureThreshold: positiveCount.optional() })
      .strict()
      .optional(),
    startupMargin: z.number().min(0).lt(1).optional(),
    minReadyFraction: z.number().gt(0).max(1).optional(),
    minReady: positiveCount.optional(),
    setupRatePerSecond: z.number().positive().optional(),
    connectLatencyMs: z.number().positive().optional(),
    warmupConcurrency: positiveCount.optional(),
  })
  .strict();

/** A parsed budget file: any subset of `ConnectionBudgetInput`. */
export type BudgetFile = z.infer<typeof budgetFileSchema>;

/**
 * Parse and validate the YAML text of a budget file. Throws a {@link ConfigError} whose path names the
 * file and the key (`plan.yaml: pool.maxOverflow`), listing every problem found in the words
 * `planConnectionBudget` uses for the same key, each with its fix (a likely meant key for a typo).
 */
export function parseBudgetFile(text: string, fileName: string): BudgetFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(fileName, `is not valid YAML: ${reason}`, 'fix the YAML syntax', error);
  }
  const result = budgetFileSchema.safeParse(data ?? {});
  if (result.success) return result.data;
  // The first problem is named by the error's path; any others follow with their own.
  const [first, ...others] = result.error.issues.map((issue) => describeFileIssue(issue, data ?? {}));
  const problems = [first!.problem, ...others.map((other) => `${other.where}: ${other.problem}`)];
  const fixes = [...new Set([first!, ...others].map((p) => p.fix))];
  throw new ConfigError(`${fileName}: ${first!.where}`, problems.join('; also '), fixes.join('; '));
}
