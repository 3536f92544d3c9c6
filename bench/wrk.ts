/**
 * wrk, the HTTP load generator of the health benchmark: one run against a URL, its requests per
 * second, request count, non-2xx/3xx count and mean latency read from wrk's report.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run$ = promisify(execFile);

/** Where wrk is expected (Debian: `apt-get install wrk`). */
export const WRK = '/usr/bin/wrk';

/** What one wrk run measured. */
export interface WrkResult {
  readonly reqPerSec: number;
  readonly requests: number;
  /** Responses that were not 2xx or 3xx. */
  readonly non2xx: number;
  readonly latencyMsAvg: number;
}

/** Throw a clear error naming the fix when wrk is not installed. */
export function requireWrk(): void {
  if (!existsSync(WRK)) throw new Error(`wrk not found at ${WRK}; install it (apt-get install wrk)`);
}

function parseLatencyMs(text: string): number {
  const match = /Latency\s+([\d.]+)(us|ms|s)\b/.exec(text);
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/**
 * Load `url` for `seconds` with one wrk thread and `connections` connections, on CPU 0 when `pin`
 * (Linux `taskset`).
 */
export async function runWrk(
  url: string,
  seconds: number,
  connections: number,
  pin: boolean,
): Promise<WrkResult> {
  const wrkArgs = ['-t1', `-c${connections}`, `-d${seconds}s`, url];
  const [command, args] = pin ? ['/usr/bin/taskset', ['-c', '0', WRK, ...wrkArgs]] : [WRK, wrkArgs];
  const { stdout } = await run$(command, args, { timeout: (seconds + 30) * 1000 });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const requests = /(\d+) requests in/.exec(stdout);
  if (rps === null || requests === null) throw new Error(`could not read wrk output:\n${stdout}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  return {
    reqPerSec: Number(rps[1]),
    requests: Number(requests[1]),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    latencyMsAvg: parseLatencyMs(stdout),
  };
}
