import { describe, expect, it } from 'vitest';
import { lineChart } from './svg-chart.js';

const pathOf = (svg: string): string => /<path d="([^"]*)"/.exec(svg)![1]!;

describe('lineChart', () => {
  it('draws a step line with one segment per change, not per sample', () => {
    // A day sampled every 864 ms (the scenario limit, 100,000 samples) of a figure that changes
    // twice: every sample used to add an `H`, about 1 MB per chart and strategy.
    const t = Array.from({ length: 100_000 }, (_, i) => i * 864);
    const values = t.map((ms) => (ms >= 43_200_000 && ms < 64_800_000 ? 5 : 0));
    const svg = lineChart({
      title: 'ready',
      yLabel: 'instances',
      xMaxMs: 86_400_000,
      lines: [{ name: 'a', color: '#000', t, values }],
    });
    // Up at the half, down at three quarters, flat to the end (x 64 to 1076 over 86.4 M ms).
    expect(pathOf(svg)).toMatch(/^M64 256H570V[\d.]+H823V256H1076$/);
  });

  it('draws a line that never changes as one segment', () => {
    const svg = lineChart({
      title: 'flat',
      yLabel: 'n',
      xMaxMs: 10,
      lines: [{ name: 'a', color: '#000', t: [0, 2, 4, 6], values: [3, 3, 3, 3] }],
    });
    expect(pathOf(svg)).toMatch(/^M64 [\d.]+H1076$/);
  });
});
