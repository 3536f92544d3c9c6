/**
 * Running the `phasegate` command line as a user does, for the CLI integration tests: a separate
 * process, real exit codes. Uses the build (`dist/cli/main.js`, made by `npm test` before the
 * suite) when it exists, else runs the source through tsx.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The built command line. */
export const DIST = join(REPO, 'dist/cli/main.js');
/** Whether the tests run the build (else the source through tsx). */
export const fromDist = existsSync(DIST);
const command = fromDist ? [DIST] : ['--import', 'tsx', join(REPO, 'src/cli/main.ts')];

/** How a CLI run ended. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `phasegate ...args` in the repository, killed after `timeoutMs`. */
export function runPhasegate(args: readonly string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...command, ...args],
      { cwd: REPO, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Run `phasegate ...args` with its standard output closed before it writes anything, as
 * `phasegate ... | head -c 0` does: the reader is gone and every write would fail with EPIPE.
 */
export function runPhasegateWithClosedStdout(args: readonly string[], timeoutMs = 30_000): Promise<CliRun> {
  const child = spawnPhasegate(args, {}, timeoutMs);
  child.stdout!.destroy();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr })),
  );
}

/**
 * Start `phasegate ...args` with `env` added to this environment, for a test that signals it or
 * reads its output as it comes; killed after `timeoutMs`.
 */
export function spawnPhasegate(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): ChildProcess {
  return spawn(process.execPath, [...command, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
