/**
 * Measures what one connection setup costs on this machine, to give the simulator's database model
 * its `acceptMs`, `authMs` and `queryMs` instead of assumptions.
 *
 * The model has two setup terms: `acceptMs`, serial (one postmaster), and `authMs`, in parallel
 * (each backend). Two measurements fit them: the latency of one connect with nothing else going on
 * (= accept + auth), and the most connects per second with many clients at once (= 1 / accept, the
 * serial term being what caps throughput). On a 2-core machine the cap is the CPU (client SCRAM,
 * server fork and SCRAM) rather than the postmaster alone, but that is the cap a storm meets here.
 */

import pg from 'pg';

/** The measured costs, in ms. */
export interface SetupCost {
  /** Median latency of one `connect()` (TCP, startup, SCRAM, ready for query), one at a time. */
  readonly connectMs: number;
  /** Connects per second with `parallel` clients connecting in a loop. */
  readonly connectsPerSecond: number;
  readonly parallel: number;
  /** Median `SELECT 1` round trip on an open connection. */
  readonly queryMs: number;
  /** Fitted serial term: `1000 / connectsPerSecond`, at most `connectMs`. */
  readonly acceptMs: number;
  /** Fitted parallel term: `connectMs − acceptMs`. */
  readonly authMs: number;
}

/** Options of {@link measureSetupCost}. */
export interface SetupCostOptions {
  /** Sequential connects measured (after 3 warm-ups). @default 30 */
  readonly sequential?: number;
  /** Clients connecting at once for the throughput. @default 8 */
  readonly parallel?: number;
  /** Connects per parallel client. @default 8 */
  readonly perClient?: number;
  /** `SELECT 1` round trips measured. @default 200 */
  readonly queries?: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function connectOnce(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, application_name: 'storm-calibration' });
  client.on('error', () => undefined);
  const start = performance.now();
  await client.connect();
  const took = performance.now() - start;
  await client.end();
  return took;
}

/**
 * Measure connection setup through `url` (point it at the path the fleet will use, minus the
 * connector's own delay: a pass-through proxy in front of the database).
 *
 * @example
 * ```ts
 * const cost = await measureSetupCost(passThrough.via(db.appUrl));
 * ```
 */
export async function measureSetupCost(url: string, options: SetupCostOptions = {}): Promise<SetupCost> {
  const sequential = options.sequential ?? 30;
  const parallel = options.parallel ?? 8;
  const perClient = options.perClient ?? 8;
  const queries = options.queries ?? 200;

  for (let i = 0; i < 3; i++) await connectOnce(url);
  const latencies: number[] = [];
  for (let i = 0; i < sequential; i++) latencies.push(await connectOnce(url));
  const connectMs = median(latencies);

  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = 0; i < perClient; i++) await connectOnce(url);
    }),
  );
  const connectsPerSecond = (parallel * perClient * 1000) / (performance.now() - start);

  const client = new pg.Client({ connectionString: url, application_name: 'storm-calibration' });
  client.on('error', () => undefined);
  await client.connect();
  const roundTrips: number[] = [];
  try {
    for (let i = 0; i < queries; i++) {
      const t = performance.now();
      await client.query('SELECT 1');
      roundTrips.push(performance.now() - t);
    }
  } finally {
    await client.end();
  }

  const acceptMs = Math.min(connectMs, 1000 / connectsPerSecond);
  return {
    connectMs,
    connectsPerSecond,
    parallel,
    queryMs: median(roundTrips),
    acceptMs,
    authMs: connectMs - acceptMs,
  };
}
