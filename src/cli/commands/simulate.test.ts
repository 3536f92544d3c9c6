import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulateOptions } from '../../index.js';
import { registerSimulate } from './simulate.js';

const SCENARIO = `
name: cli-test
seed: 3
durationMs: 60000
fleet: { instances: 3 }
connector: { slots: 20 }
database: { maxConnections: 40, reserved: 3 }
service: { poolSize: 5, maxOverflow: 5, minReady: 2 }
strategies:
  - name: incident
    attemptTimeoutMs: 20000
  - name: phasegate
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phasegate-simulate-'));
  await writeFile(join(dir, 'ok.yaml'), SCENARIO);
  await writeFile(join(dir, 'bad.yaml'), SCENARIO.replace('maxConnections: 40', 'maxConnections: -1'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(
  args: string[],
  options: SimulateOptions = {},
  progress?: (text: string) => void,
): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  let code: number | undefined;
  const io = {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
    exit: (c: number) => void (code = c),
    ...(progress ? { progress } : {}),
  };
  const program = new Command('phasegate').exitOverride();
  registerSimulate(program, io, options);
  await program.parseAsync(['simulate', ...args], { from: 'user' });
  return { out, err, code };
}

// Each run starts a worker thread and loads phasegate in it: about 1.5 s alone, several times that
// on a loaded machine, past vitest's 5 s default (a bound on a hang, not a timing assertion).
describe('phasegate simulate', { timeout: 60_000 }, () => {
  it('reports each strategy as it finishes to a progress writer, and prints the same bytes', async () => {
    const lines: string[] = [];
    const withProgress = await run([join(dir, 'ok.yaml'), '--json'], {}, (t) => lines.push(t));
    const without = await run([join(dir, 'ok.yaml'), '--json']);
    expect(withProgress.code).toBe(0);
    expect(withProgress.out).toBe(without.out);
    expect(withProgress.err).toBe('');
    expect(lines[0]).toMatch(/^Simulating 2 strategies × 3 instances, up to 1\.0 virtual min each/);
    expect(lines.slice(1).map((line) => line.trim().replace(/ \([\d.]+ s\)$/, ''))).toEqual([
      'incident: 3/3 ready',
      'phasegate: 3/3 ready',
    ]);
  });

  it('prints JSON with the documented fields, and applies --instances and --seed', async () => {
    const { out, code } = await run([join(dir, 'ok.yaml'), '--json', '--instances', '4', '--seed', '9']);
    expect(code).toBe(0);
    const json = JSON.parse(out) as {
      scenario: { instances: number; seed: number };
      lowerBoundMs: number | null;
      strategies: Array<Record<string, unknown>>;
    };
    expect(json.scenario).toMatchObject({ instances: 4, seed: 9 });
    expect(typeof json.lowerBoundMs).toBe('number');
    expect(json.strategies.map((s) => s.name)).toEqual(['incident', 'phasegate']);
    for (const strategy of json.strategies) {
      for (const key of [
        'instances',
        'ready',
        'exit3',
        'restarts',
        'allReadyMs',
        'allWarmMs',
        'attempts',
        'wasted',
        'peakConnections',
        'ratioToLowerBound',
      ]) {
        expect(strategy).toHaveProperty(key);
      }
      expect(Object.keys(strategy.allReadyMs as object)).toEqual(['p50', 'p99', 'max']);
    }
  });

  it('prints a table and writes the HTML report', async () => {
    const report = join(dir, 'report.html');
    const { out, code } = await run([join(dir, 'ok.yaml'), '--report', report]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Scenario cli-test/);
    expect(out).toContain(`Report written to ${report}`);
    const html = await readFile(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg ');
  });

  it('exits 78 and names the bad field of a bad scenario', async () => {
    const { err, code } = await run([join(dir, 'bad.yaml')]);
    expect(code).toBe(78);
    expect(err).toContain('database.maxConnections');
  });

  it('exits 78 naming platform.crashLoop.initialMs for a zero restart delay, instead of never ending', async () => {
    // A strategy that fails in zero virtual time (every duration 0, the database full, one attempt)
    // under a zero crash-loop delay was restarted at the same virtual instant forever: the command
    // printed nothing and never ended.
    await writeFile(
      join(dir, 'zero-loop.yaml'),
      [
        'name: zero-loop',
        'durationMs: 60000',
        'fleet: { instances: 5 }',
        'platform: { crashLoop: { initialMs: 0, maxMs: 0 } }',
        'connector: { slots: 5, setupMs: 0 }',
        'database: { maxConnections: 10, acceptMs: 0, authMs: 0, queryMs: 0 }',
        'strategies: [{ name: naive-backoff, maxAttempts: 1 }]',
        '',
      ].join('\n'),
    );
    const { out, err, code } = await run([join(dir, 'zero-loop.yaml')]);
    expect(code).toBe(78);
    expect(out).toBe('');
    expect(err).toContain(
      `${join(dir, 'zero-loop.yaml')}: platform.crashLoop.initialMs: must be at least 1 ms`,
    );
  });

  it('prints the same bytes from its worker thread as from a run in this thread', async () => {
    const args = [join(dir, 'ok.yaml'), '--json', '--instances', '5'];
    const inWorker = await run(args);
    // Options given in code cannot cross a thread: this run stays in this thread.
    const inThread = await run(args, { settle: 'tick' });
    expect(inWorker.code).toBe(0);
    expect(inThread.code).toBe(0);
    expect(inWorker.out).toBe(inThread.out);
  });

  it('exits 78 naming the field when the worker refuses the scenario', async () => {
    await writeFile(join(dir, 'unknown.yaml'), SCENARIO.replace('- name: phasegate', '- name: warp-drive'));
    const { err, code } = await run([join(dir, 'unknown.yaml')]);
    expect(code).toBe(78);
    // The file is named, as for a field the scenario's own validation refuses.
    expect(err).toContain(`${join(dir, 'unknown.yaml')}: strategies[1].name`);
    expect(err).toContain('warp-drive');
  });

  it('exits 78 for a bad flag or a missing file', async () => {
    const flag = await run([join(dir, 'ok.yaml'), '--instances', 'many']);
    expect(flag.code).toBe(78);
    expect(flag.err).toContain('--instances');
    const missing = await run([join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(78);
    expect(missing.err).toContain('nope.yaml: cannot read the scenario file: ENOENT');
    const seed = await run([join(dir, 'ok.yaml'), '--seed', '99999999999999999999']);
    expect(seed.code).toBe(78);
    expect(seed.err).toContain('--seed: must be a whole number from 0 to 4294967295');
    // Seeds are 32-bit: 2^32 + 1 would repeat seed 1's results under another name.
    const wide = await run([join(dir, 'ok.yaml'), '--seed', '4294967297']);
    expect(wide.code).toBe(78);
    expect(wide.err).toContain('--seed: must be a whole number from 0 to 4294967295, got "4294967297"');
    // The flag is named, not only the scenario field it overrides.
    const many = await run([join(dir, 'ok.yaml'), '--instances', '10001']);
    expect(many.code).toBe(78);
    expect(many.err).toContain('--instances: must be a whole number from 1 to 10000');
  });

  it('names the file and every bad field, not only the first', async () => {
    await writeFile(
      join(dir, 'two.yaml'),
      SCENARIO.replace('maxConnections: 40', 'maxConnections: -1').replace('slots: 20', 'slots: 0'),
    );
    const { err, code } = await run([join(dir, 'two.yaml')]);
    expect(code).toBe(78);
    expect(err).toContain(`${join(dir, 'two.yaml')}: connector.slots`);
    expect(err).toContain('also database.maxConnections');
  });

  it('prints no result when the report cannot be written after the run, and exits 78', async () => {
    // /dev/full passes the check (a file in a writable directory) and refuses the write: ENOSPC.
    const { out, err, code } = await run([join(dir, 'ok.yaml'), '--json', '--report', '/dev/full'], {
      settle: 'tick',
    });
    expect(code).toBe(78);
    expect(err).toContain('--report: cannot write /dev/full: ENOSPC');
    expect(out).toBe('');
  });

  it('checks --report before the run: a directory (or a name ending in /), a missing one, a file in its place or an empty path exits 78 and prints no result', async () => {
    // A file where its directory should be passed the check, and failed only after the run.
    const notADirectory = join(dir, 'ok.yaml', 'r.html');
    // So did the name of a directory yet to be made: `out/`.
    const directoryName = `${join(dir, 'out')}/`;
    for (const report of [dir, join(dir, 'no-such-dir', 'r.html'), '', ' ', notADirectory, directoryName]) {
      // The run would announce itself to a progress writer.
      const progress: string[] = [];
      const { out, err, code } = await run([join(dir, 'ok.yaml'), '--report', report], {}, (text) =>
        progress.push(text),
      );
      expect(code).toBe(78);
      expect(err).toContain('--report');
      expect(out).toBe('');
      expect(progress, report).toEqual([]);
    }
  });
});
