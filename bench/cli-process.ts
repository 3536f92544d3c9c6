/**
 * Measuring `phasegate simulate` as a user runs it: the built CLI in a fresh process, whose CPU time
 * (every thread, its simulation worker included) a preloaded module reports at exit.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../dist/cli/main.js');
const PRELOAD = path.resolve(HERE, 'cpu-on-exit.mjs');

/** CPU and wall time of one run, in ms. */
export interface ProcessTimes {
  readonly cpuMs: number;
  readonly wallMs: number;
}

/**
 * Run `node dist/cli/main.js ...args` (output discarded; a non-zero exit rejects with its stderr)
 * and return its CPU time (user + system) and wall time. The child inherits this process's CPU
 * affinity, so under `taskset -c 1` it runs on that one core too.
 */
export async function measureCli(args: readonly string[]): Promise<ProcessTimes> {
  const dir = await mkdtemp(path.join(tmpdir(), 'phasegate-bench-'));
  const cpuFile = path.join(dir, 'cpu.json');
  try {
    const began = performance.now();
    const child = spawn(process.execPath, ['--import', PRELOAD, CLI, ...args], {
      env: { ...process.env, PHASEGATE_BENCH_CPU_FILE: cpuFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) =>
      child.once('error', reject).once('exit', (exitCode) => resolve(exitCode)),
    );
    const wallMs = performance.now() - began;
    if (code !== 0) throw new Error(`phasegate ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
    const used = JSON.parse(await readFile(cpuFile, 'utf8')) as { user: number; system: number };
    return { cpuMs: (used.user + used.system) / 1000, wallMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A copy of the scenario file at `scenarioPath` with only its strategy entry number `index`, in a
 * temporary directory; `remove()` deletes it.
 */
export async function scenarioWithOneStrategy(
  scenarioPath: string,
  index: number,
): Promise<{ readonly file: string; remove(): Promise<void> }> {
  const document = parse(await readFile(scenarioPath, 'utf8')) as { strategies: unknown[] };
  const dir = await mkdtemp(path.join(tmpdir(), 'phasegate-bench-'));
  const file = path.join(dir, path.basename(scenarioPath));
  await writeFile(file, stringify({ ...document, strategies: [document.strategies[index]] }));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
