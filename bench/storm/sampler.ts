/**
 * Samples the database's client connections during the storm, over a direct connection of its own
 * (not through the proxy). Its own backend is left out of the count; it is one connection the
 * scenario lists as `database.otherClients`.
 */

import pg from 'pg';

/** One sample: `Date.now()` when the query was sent, and the client backends other than the sampler. */
export interface ConnectionSample {
  readonly at: number;
  readonly connections: number;
}

const COUNT = `SELECT count(*)::int AS n FROM pg_stat_activity
  WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`;

/** A running sampler; `stop()` ends the loop and closes its connection. */
export interface ConnectionSampler {
  readonly samples: readonly ConnectionSample[];
  /** Highest count so far. */
  peak(): number;
  stop(): Promise<readonly ConnectionSample[]>;
}

/**
 * Start sampling `url` every `intervalMs`.
 *
 * @example
 * ```ts
 * const sampler = await startSampler(db.adminUrl, 50);
 * ... // the storm
 * const samples = await sampler.stop();
 * ```
 */
export async function startSampler(url: string, intervalMs = 50): Promise<ConnectionSampler> {
  const client = new pg.Client({ connectionString: url, application_name: 'storm-sampler' });
  client.on('error', () => undefined);
  await client.connect();
  const samples: ConnectionSample[] = [];
  let running = true;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const { rows } = await client.query<{ n: number }>(COUNT);
      samples.push({ at, connections: rows[0]!.n });
      const wait = Math.max(0, at + intervalMs - Date.now());
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, wait);
      });
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  return {
    samples,
    peak: () => samples.reduce((max, s) => Math.max(max, s.connections), 0),
    stop: async () => {
      running = false;
      wake?.();
      try {
        await loop;
      } finally {
        await client.end().catch(() => undefined);
      }
      if (failure !== undefined) throw new Error('the connection sampler failed', { cause: failure });
      return samples;
    },
  };
}
