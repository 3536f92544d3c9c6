/**
 * Benchmark runner and measuring helpers (`npm run bench`).
 *
 * Convention (see bench/README.md): every `bench/*.bench.ts` default-exports
 * `async function run(): Promise<BenchResult>`. The runner runs each file in its own child process
 * (`tsx bench/run.ts --one <file>`), so one benchmark's JIT state and garbage cannot skew the next,
 * collects the results and writes them to `bench/results/latest.json`. Arguments filter the files
 * by name: `npm run bench -- policies`.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One measured case. */
export interface BenchCase {
  /** What was measured. */
  readonly name: string;
  /**
   * Median cost of one operation over the rounds, in ns. {@link measureInterleaved} reports CPU
   * time (user + system time of this process, so time the OS gave to other processes on a busy
   * machine does not count); a benchmark that measures otherwise says so.
   */
  readonly medianNs: number;
  /** Fastest and slowest round, ns per operation. */
  readonly minNs: number;
  readonly maxNs: number;
  /** Median wall-clock time of one operation, in ns, when measured (includes time lost to others). */
  readonly medianWallNs?: number;
  /** Operations per round. */
  readonly opsPerRound: number;
  /** Rounds measured (after warm-up). */
  readonly rounds: number;
}

/** A target the benchmark checks (a budget, not a test: it is reported, never asserted). */
export interface BenchCheck {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

/** What a benchmark file's default export resolves to. */
export interface BenchResult {
  /** Name of the benchmark (usually the file name without `.bench.ts`). */
  readonly name: string;
  readonly cases: readonly BenchCase[];
  readonly checks: readonly BenchCheck[];
  /** Anything else worth keeping (ratios, environment). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** An operation to measure; awaited when it returns a promise. */
export type BenchOp = () => unknown;

/** Options of {@link measureInterleaved}. */
export interface MeasureOptions {
  /** Rounds per case (the median is reported). @default 9 */
  readonly rounds?: number;
  /** Wall time a warm-up run of each case should take, in ms. @default 300 */
  readonly warmupMs?: number;
  /** Wall time one round of one case should take, in ms (sets operations per round). @default 150 */
  readonly roundMs?: number;
}

interface BatchTime {
  /** CPU ns per operation. */
  readonly cpu: number;
  /** Wall-clock ns per operation. */
  readonly wall: number;
}

async function runBatch(op: BenchOp, ops: number): Promise<BatchTime> {
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    const result = op();
    if (result instanceof Promise) await result;
  }
  const wall = Number(process.hrtime.bigint() - wallStart) / ops;
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: ((cpu.user + cpu.system) * 1000) / ops, wall };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Measure several operations fairly on a noisy machine: each is warmed up and calibrated on its
 * own, then the rounds interleave the cases (round 1 of every case, then round 2, ...) so drift in
 * machine load hits all of them alike. Reports the median CPU ns/op per case (and the wall time):
 * CPU time is what an operation costs, and it holds still on a machine shared with other work.
 *
 * @example
 * ```ts
 * const cases = await measureInterleaved({ 'bare await': () => noop(), mine: () => policy.execute(noop) });
 * ```
 */
export async function measureInterleaved(
  ops: Readonly<Record<string, BenchOp>>,
  options: MeasureOptions = {},
): Promise<BenchCase[]> {
  const rounds = options.rounds ?? 9;
  const warmupMs = options.warmupMs ?? 300;
  const roundMs = options.roundMs ?? 150;
  const names = Object.keys(ops);
  const perRound = new Map<string, number>();
  for (const name of names) {
    const op = ops[name]!;
    let batch = 100;
    let spentMs = 0;
    let nsPerOp = 0;
    while (spentMs < warmupMs) {
      nsPerOp = (await runBatch(op, batch)).wall;
      spentMs += (nsPerOp * batch) / 1e6;
      batch = Math.min(batch * 2, 1_000_000);
    }
    perRound.set(name, Math.max(100, Math.round((roundMs * 1e6) / Math.max(nsPerOp, 1))));
  }
  const samples = new Map<string, BatchTime[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) samples.get(name)!.push(await runBatch(ops[name]!, perRound.get(name)!));
  }
  return names.map((name) => {
    const cpu = samples.get(name)!.map((t) => t.cpu);
    const wall = samples.get(name)!.map((t) => t.wall);
    return {
      name,
      medianNs: median(cpu),
      minNs: Math.min(...cpu),
      maxNs: Math.max(...cpu),
      medianWallNs: median(wall),
      opsPerRound: perRound.get(name)!,
      rounds,
    };
  });
}

/** Format cases as a text table, with each case's ratio (of CPU medians) to each of `columns`. */
export function formatTable(cases: readonly BenchCase[], columns: readonly string[] = []): string {
  const header = ['case', 'CPU ns/op (median)', 'min', 'max', 'wall ns/op', ...columns.map((c) => `÷ ${c}`)];
  const byName = new Map(cases.map((c) => [c.name, c]));
  const rows = cases.map((c) => [
    c.name,
    c.medianNs.toFixed(0),
    c.minNs.toFixed(0),
    c.maxNs.toFixed(0),
    c.medianWallNs === undefined ? '' : c.medianWallNs.toFixed(0),
    ...columns.map((column) => {
      const other = byName.get(column);
      return other ? (c.medianNs / other.medianNs).toFixed(2) : '';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Whether `moduleUrl` (a benchmark's `import.meta.url`) is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(path.resolve(entry)).href === moduleUrl;
}

const RESULT_MARKER = '@@bench-result ';
const here = path.dirname(fileURLToPath(import.meta.url));

/** Child mode: run one file's default export and print its result after a marker. */
async function runOne(file: string): Promise<void> {
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as {
    default?: () => Promise<BenchResult>;
  };
  if (typeof module.default !== 'function') {
    throw new Error(`${file} has no default export "async function run(): Promise<BenchResult>"`);
  }
  const result = await module.default();
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

function spawnOne(file: string): Promise<BenchResult | Error> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', file],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      process.stdout.write(text.replace(new RegExp(`\\n?${RESULT_MARKER}.*\\n?`), '\n'));
    });
    child.on('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || line === undefined)
        resolve(new Error(`${path.basename(file)} failed (exit code ${code})`));
      else resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as BenchResult);
    });
  });
}

/** Parent mode: run every matching bench file in sequence. */
async function runAll(filters: readonly string[]): Promise<number> {
  const files = (await readdir(here))
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((filter) => f.includes(filter)))
    .sort();
  if (files.length === 0) {
    console.error(`No bench/*.bench.ts file matches ${filters.join(', ')}`);
    return 1;
  }
  const results: BenchResult[] = [];
  let failed = 0;
  for (const file of files) {
    console.log(`\n=== ${file}`);
    const result = await spawnOne(path.join(here, file));
    if (result instanceof Error) {
      console.error(result.message);
      failed++;
    } else {
      results.push(result);
    }
  }
  const summary = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    results,
  };
  await mkdir(path.join(here, 'results'), { recursive: true });
  await writeFile(path.join(here, 'results', 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('\n=== checks');
  for (const result of results) {
    for (const check of result.checks) {
      console.log(`${check.pass ? 'PASS' : 'MISS'}  ${result.name}: ${check.name} (${check.detail})`);
    }
  }
  console.log(`\nWrote bench/results/latest.json (${results.length} benchmark(s), ${failed} failed)`);
  return failed > 0 ? 1 : 0;
}

async function main(args: readonly string[]): Promise<number> {
  const oneIndex = args.indexOf('--one');
  if (oneIndex < 0) return runAll(args);
  await runOne(args[oneIndex + 1]!);
  return 0;
}

// No top-level await here: benchmark files import this module for its helpers, and a pending
// top-level await in it would deadlock their import.
if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
