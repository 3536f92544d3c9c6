import { describe, expect, it } from 'vitest';
import type { ComponentMarkEvent } from '../orchestrator/orchestrator-events.js';
import { describeEvent } from './event-log.js';

const mark = (name: string): ComponentMarkEvent => ({
  type: 'component-mark',
  at: 0,
  phase: 'database',
  component: 'postgres',
  name,
  data: {},
});

describe('describeEvent: component marks', () => {
  it('warns when the pool ends up smaller than planned; other marks are progress', () => {
    for (const name of ['pool-target-lowered', 'pool-growth-gave-up', 'pool-limits-unavailable'])
      expect(describeEvent(mark(name))[0]).toBe('warn');
    for (const name of ['pool-growing', 'pool-at-target', 'admission-wait'])
      expect(describeEvent(mark(name))[0]).toBe('info');
    expect(describeEvent(mark('pool-growth-gave-up'))[2]).toBe('postgres: pool-growth-gave-up');
  });
});
