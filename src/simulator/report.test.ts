import { describe, expect, it } from 'vitest';
import { formatTable, renderHtml } from './report.js';
import { parseScenario, type ScenarioInput } from './scenario.js';
import { simulate } from './simulate.js';

/** Two instances that become ready in well under a second. */
const small: ScenarioInput = {
  name: 'small',
  durationMs: 60_000,
  fleet: { instances: 2 },
  database: { maxConnections: 40 },
  service: { poolSize: 2, maxOverflow: 0, minReady: 2 },
  strategies: [{ name: 'phasegate' }],
};

describe('formatTable', () => {
  it('says what a dash stands for, only when it shows one', async () => {
    const { result } = await simulate(parseScenario(small));
    expect(result.strategies[0]!.allReadyMs.max).not.toBeNull();
    const table = formatTable(result);
    expect(table).not.toContain('—');
    const notAll = { ...result.strategies[0]!, ready: 1, allReadyMs: { p50: 100, p99: null, max: null } };
    const dashed = formatTable({ ...result, strategies: [notAll] });
    expect(dashed).toContain('— not reached: p50/p99 ready land on an instance that never became ready');
    expect(dashed.trimEnd().split('\n').at(-1)).toBe(
      '  every instance ready (warm); × bound is all ready ÷ a lower bound above 0 ms, so it needs both.',
    );
  });

  it('says so when the startup window is too short for any instance, as the lower bound alone did not', async () => {
    // Egress opens after 250 s on every process, and the platform kills a process not ready by 240 s.
    const blackout = parseScenario({
      ...small,
      platform: { startupWindowMs: 240_000, egressDelayMs: { min: 250_000, max: 300_000 } },
      durationMs: 600_000,
    });
    const outcome = await simulate(blackout);
    expect(outcome.result.strategies[0]!.ready).toBe(0);
    expect(outcome.result.lowerBoundMs).toBeGreaterThan(240_000);
    const note = 'No instance can be ready within its startup window (4.0 min): one needs at least 4.2 min';
    expect(formatTable(outcome.result, blackout)).toContain(note);
    expect(renderHtml(outcome, blackout)).toContain(note);
    // Within the window, no such line.
    const within = parseScenario({ ...small, platform: { egressDelayMs: 20_000 }, durationMs: 600_000 });
    const ok = await simulate(within);
    expect(ok.result.strategies[0]!.ready).toBe(2);
    expect(formatTable(ok.result, within)).not.toContain('No instance can be ready');
  });
});

describe('renderHtml', () => {
  it('escapes the scenario name, its description and strategy labels', async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;\'';
    const scenario = parseScenario({
      ...small,
      name: hostile,
      description: `${hostile} described`,
      strategies: [{ name: 'phasegate', label: hostile }],
    });
    const html = renderHtml(await simulate(scenario), scenario);
    expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>|alert\("x"\)/);
    const escaped =
      '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;&#38;amp;&#39;';
    expect(html).toContain(`<title>phasegate simulation: ${escaped}</title>`);
    expect(html).toContain(`${escaped} described`);
    expect(html).toContain(`<div class="name">${escaped}</div>`);
    expect(html).toContain(`class="legend">${escaped}</text>`);
  });
});
