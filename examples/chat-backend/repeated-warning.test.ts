import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { repeatedWarning } from './repeated-warning.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ stream: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  return { lines, logger };
}

describe('repeatedWarning', () => {
  it('logs the first occurrence at once, then at most one line per interval with the count', async () => {
    const clock = new FakeClock();
    const { lines, logger } = capture();
    const warn = repeatedWarning(logger, {
      event: 'x.failed',
      message: 'it failed',
      intervalMs: 1_000,
      clock,
    });
    warn(new Error('first'));
    for (let i = 0; i < 50; i++) warn(new Error(`again ${i}`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', event: 'x.failed', occurrences: 1, msg: 'it failed' });
    expect((lines[0]!.err as { message: string }).message).toBe('first');

    await clock.advance(999);
    warn(new Error('still inside'));
    expect(lines).toHaveLength(1);
    await clock.advance(1);
    warn(new Error('after the interval'));
    expect(lines).toHaveLength(2);
    // The 50 counted, the one at 999 ms and this one.
    expect(lines[1]).toMatchObject({ event: 'x.failed', occurrences: 52 });
    expect((lines[1]!.err as { message: string }).message).toBe('after the interval');

    await clock.advance(5_000);
    warn(new Error('alone'));
    expect(lines[2]).toMatchObject({ occurrences: 1 });
  });
});
