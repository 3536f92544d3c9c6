import { describe, expect, it } from 'vitest';
import type { StartupSnapshot } from '../orchestrator/snapshot.js';
import { LiveView, formatDuration, renderSnapshot } from './live-view.js';

const snapshot: StartupSnapshot = {
  status: 'starting',
  availability: 'FULL',
  startedAt: 1_000,
  readyAt: null,
  phases: [
    { name: 'init', state: 'done', startedAt: 1_000, durationMs: 12 },
    { name: 'database', state: 'running', startedAt: 1_012, durationMs: null },
    { name: 'cache', state: 'pending', startedAt: null, durationMs: null },
  ],
  components: [
    {
      name: 'config',
      phase: 'init',
      critical: true,
      state: 'ready',
      attempts: 1,
      lastError: null,
      breaker: null,
    },
    {
      name: 'postgres',
      phase: 'database',
      critical: true,
      state: 'starting',
      attempts: 3,
      lastError: { code: 'ECONNREFUSED', class: 'transient', message: 'connect ECONNREFUSED' },
      breaker: 'closed',
      pool: { open: 1, target: 4, max: 8 },
    },
  ],
};

describe('renderSnapshot', () => {
  it('lists each phase with its components, attempts, pool and last error', () => {
    const lines = renderSnapshot(snapshot, 3_512, { color: false, frame: 0 });
    expect(lines).toEqual([
      'startup  starting  availability FULL',
      ' ✓ init           12 ms',
      '     ✓ config           ready',
      ' ⠋ database       2.5 s',
      '     ⠋ postgres         starting  attempt 3  pool 1/4 (max 8)  transient: connect ECONNREFUSED',
      ' · cache',
    ]);
  });

  it('shows control characters from names and error messages as plain text, one line per item', () => {
    // A remote server's error text (or a name) with terminal escapes or a line break.
    const hostile: StartupSnapshot = {
      ...snapshot,
      phases: [{ name: 'data\u001b[2Jbase', state: 'running', startedAt: 1_000, durationMs: null }],
      components: [
        {
          ...snapshot.components[1]!,
          name: 'pg\u009b2J',
          phase: 'data\u001b[2Jbase',
          lastError: { code: 'X', class: 'transient', message: 'refused\nFAKE LINE \u001b[2J\u0007' },
        },
      ],
    };
    const lines = renderSnapshot(hostile, 2_000, { color: false });
    expect(lines).toHaveLength(3);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(lines[2]).toContain('transient: refused FAKE LINE ?[2J?');
  });

  it('formats durations for people', () => {
    expect([formatDuration(56), formatDuration(1234), formatDuration(125_000)]).toEqual([
      '56 ms',
      '1.2 s',
      '2 min 5 s',
    ]);
  });
});

describe('LiveView', () => {
  function terminal(): { out: { write(chunk: string): void; columns: number }; text: () => string } {
    let buffer = '';
    return {
      out: {
        columns: 40,
        write: (chunk: string) => {
          buffer += chunk;
        },
      },
      text: () => buffer,
    };
  }

  it('redraws in place: erases exactly the lines it drew before drawing again', () => {
    const tty = terminal();
    const view = new LiveView(tty.out, { color: false, now: () => 2_000 });
    view.update(snapshot);
    const first = tty.text();
    expect(first.split('\n')).toHaveLength(7);
    view.update(snapshot);
    expect(tty.text().slice(first.length).startsWith('\u001b[6F\u001b[J')).toBe(true);
  });

  it('prints log lines above the region and cuts lines to the terminal width', () => {
    const tty = terminal();
    const view = new LiveView(tty.out, { color: false, now: () => 2_000 });
    view.update(snapshot);
    const before = tty.text().length;
    view.stream.write('{"msg":"hello"}\n');
    const after = tty.text().slice(before);
    expect(after.startsWith('\u001b[6F\u001b[J{"msg":"hello"}\nstartup')).toBe(true);
    for (const line of after.split('\n').slice(1)) expect(line.length).toBeLessThan(40);
  });

  it('redraws a component whose error message holds an escape without a final `m`', () => {
    // Before, cutting such a line to the terminal width looped for ever and froze the process.
    const tty = terminal();
    tty.out.columns = 120;
    const view = new LiveView(tty.out, { color: true, now: () => 2_000 });
    const [config, postgres] = snapshot.components;
    view.update({
      ...snapshot,
      components: [
        config!,
        { ...postgres!, lastError: { code: 'X', class: 'transient', message: 'bye \u001b[2J' } },
      ],
    });
    expect(tty.text()).toContain('transient: bye ?[2J');
  });

  it('stops redrawing after close and passes text straight through', () => {
    const tty = terminal();
    const view = new LiveView(tty.out, { color: false });
    view.update(snapshot);
    view.close();
    const before = tty.text().length;
    view.update(snapshot);
    view.print('waterfall\n');
    expect(tty.text().slice(before)).toBe('waterfall\n');
  });
});
