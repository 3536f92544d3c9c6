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
  it('says "1 instance", not "1 instances", in the table and the report', async () => {
    const scenario = parseScenario({ ...small, fleet: { instances: 1 } });
    const outcome = await simulate(scenario);
    expect(formatTable(outcome.result)).toMatch(/^Scenario small \(seed 1\): 1 instance, /);
    expect(renderHtml(outcome, scenario)).toContain(' 1 instance, seed 1.');
  });

  it('says "1 attempt", "1 exit", "1 restart", "1 connection" (not "1 attempts"...) in the table and the report', async () => {
    const scenario = parseScenario({
      ...small,
      fleet: { instances: 1 },
      service: { poolSize: 1, maxOverflow: 0, minReady: 1 },
    });
    const outcome = await simulate(scenario);
    const ones = {
      ...outcome.result.strategies[0]!,
      ready: 0,
      allReadyMs: { p50: null, p99: null, max: null },
      attempts: 1,
      peakConnections: 1,
      exit3: 1,
      restarts: 1,
    };
    const result = {
      ...outcome.result,
      strategies: [ones],
      lowerBound: { ...outcome.result.lowerBound, setupsNeeded: 1 },
    };
    const html = renderHtml({ ...outcome, result }, scenario);
    expect(html).toContain('1 attempt, ');
    expect(html).toContain('peak 1 connection<');
    expect(html).toContain('1 exit (code 3) · 1 restart · ');
    expect(html).toContain('0 of 1 ready, 1 exit with code 3');
    expect(html).toContain(': 1 connection setup (instances × minReady)');
    expect(formatTable(result)).toContain('(1 setup, limited by');
    const full = await simulate(parseScenario({ ...small, fleet: { instances: 1 } }));
    expect(renderHtml(full, scenario)).toMatch(/the one instance ready in /);
    expect(html).not.toMatch(/\b1 (attempts|exits|restarts|connections|setups|connection setups)\b/);
    const blackout = parseScenario({
      ...small,
      service: { poolSize: 1, maxOverflow: 0, minReady: 1 },
      platform: { startupWindowMs: 240_000, egressDelayMs: { min: 250_000, max: 300_000 } },
      durationMs: 600_000,
    });
    const note = '(egress, 1 connection setup and accept, authentication)';
    expect(formatTable((await simulate(blackout)).result, blackout)).toContain(note);
  });

  it('says "no ratio to the lower bound" on a card without one, not "— the lower bound"', async () => {
    const scenario = parseScenario(small);
    const outcome = await simulate(scenario);
    expect(renderHtml(outcome, scenario)).toMatch(/ · [\d.]+× the lower bound</);
    const none = { ...outcome.result.strategies[0]!, ratioToLowerBound: null };
    const html = renderHtml({ ...outcome, result: { ...outcome.result, strategies: [none] } }, scenario);
    expect(html).toContain(' · no ratio to the lower bound<');
    expect(html).not.toContain('— the lower bound');
  });

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

/** A time cell back in ms, with how far from the exact figure its rounding may be. */
function cellMs(cell: string): { ms: number; within: number } | null {
  if (cell === '—') return null;
  const [, value, unit] = /^([\d.]+) (ms|s|min)$/.exec(cell)!;
  const scale = { ms: 1, s: 1000, min: 60_000 }[unit as 'ms' | 's' | 'min'];
  return { ms: Number(value) * scale, within: unit === 'ms' ? 0 : scale / 20 };
}

describe('formatTable and the JSON', () => {
  // Every kind of cell: times in ms, s and min, dashes, ratios.
  const spread: ScenarioInput = {
    ...small,
    durationMs: 300_000,
    fleet: { instances: 30, startSpreadMs: 130_000 },
    service: { poolSize: 3, maxOverflow: 0, minReady: 2 },
    strategies: [{ name: 'incident', attemptTimeoutMs: 5_000 }, { name: 'phasegate' }],
  };
  it.each([
    ['ms', small],
    ['s and min', { ...spread, database: { maxConnections: 100 } }],
    ['dashes', { ...spread, database: { maxConnections: 60 } }],
  ])('show the same figures, row by row (%s)', async (_, input) => {
    const { result } = await simulate(parseScenario(input));
    const lines = formatTable(result).split('\n');
    const header = lines[3]!.split(/ {2,}/);
    for (const strategy of result.strategies) {
      const row = lines
        .find((line) => line.startsWith(`${strategy.name} `))!
        .trim()
        .split(/ {2,}/);
      const cell = (name: string): string => row[header.indexOf(name)]!;
      expect(cell('ready')).toBe(`${strategy.ready}/${strategy.instances}`);
      expect(Number(cell('exit 3'))).toBe(strategy.exit3);
      expect(Number(cell('probe kills'))).toBe(strategy.probeKills);
      expect(Number(cell('restarts'))).toBe(strategy.restarts);
      expect(Number(cell('attempts'))).toBe(strategy.attempts);
      expect(Number(cell('wasted'))).toBe(strategy.wasted);
      expect(Number(cell('peak conns'))).toBe(strategy.peakConnections);
      const times: Array<[string, number | null]> = [
        ['p50 ready', strategy.allReadyMs.p50],
        ['p99 ready', strategy.allReadyMs.p99],
        ['all ready', strategy.allReadyMs.max],
        ['all warm', strategy.allWarmMs],
      ];
      for (const [name, ms] of times) {
        const shown = cellMs(cell(name));
        if (ms === null) expect(shown, name).toBeNull();
        else expect(Math.abs(shown!.ms - ms), name).toBeLessThanOrEqual(shown!.within);
      }
      const ratio = cell('× bound');
      if (strategy.ratioToLowerBound === null) expect(ratio).toBe('—');
      else
        expect(Math.abs(Number(ratio.replace('×', '')) - strategy.ratioToLowerBound)).toBeLessThanOrEqual(
          0.005,
        );
    }
    const bound = cellMs(/^Lower bound: (none|[\d.]+ \w+)/.exec(lines[1]!)![1]!.replace('none', '—'));
    if (result.lowerBoundMs === null) expect(bound).toBeNull();
    else expect(Math.abs(bound!.ms - result.lowerBoundMs)).toBeLessThanOrEqual(bound!.within);
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
