/**
 * Hand-made snapshots and a fake snapshot source for the health tests.
 */
import { request } from 'node:http';
import type { Availability } from '../../src/orchestrator/availability.js';
import type {
  ComponentSnapshot,
  ServiceStatus,
  SnapshotSource,
  StartupSnapshot,
} from '../../src/orchestrator/snapshot.js';

/** A plausible snapshot of a seven-phase service; override any field. */
export function snapshotOf(overrides: Partial<StartupSnapshot> = {}): StartupSnapshot {
  return {
    status: 'ready',
    availability: 'FULL',
    startedAt: 1_700_000_000_000,
    readyAt: 1_700_000_031_000,
    phases: [
      { name: 'init', state: 'done', startedAt: 1_700_000_000_000, durationMs: 60 },
      { name: 'database', state: 'done', startedAt: 1_700_000_000_060, durationMs: 30_940 },
    ],
    components: [
      componentOf({ name: 'postgres', phase: 'database', pool: { open: 5, target: 12, max: 20 } }),
      componentOf({ name: 'redis', phase: 'cache', critical: false, breaker: 'half-open' }),
    ],
    admission: { backend: 'local', waitedMs: 1500 },
    ...overrides,
  };
}

/** A ready, critical component; override any field. */
export function componentOf(overrides: Partial<ComponentSnapshot> = {}): ComponentSnapshot {
  return {
    name: 'postgres',
    phase: 'database',
    critical: true,
    state: 'ready',
    attempts: 1,
    lastError: null,
    breaker: 'closed',
    ...overrides,
  };
}

/** A snapshot source whose snapshot tests set directly. */
export class FakeSource implements SnapshotSource {
  calls = 0;
  constructor(public current: StartupSnapshot = snapshotOf()) {}
  snapshot(): StartupSnapshot {
    this.calls += 1;
    return this.current;
  }
  set(overrides: Partial<StartupSnapshot>): void {
    this.current = { ...this.current, ...overrides };
  }
  status(status: ServiceStatus, availability: Availability = this.current.availability): void {
    this.set({ status, availability });
  }
}

/** The answer of one real HTTP request. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One real HTTP request (a fresh connection: `agent: false`), so no socket outlives the test. */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
