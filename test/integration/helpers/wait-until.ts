/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this long. @default 10_000 */
  readonly timeoutMs?: number;
  /** Pause between polls. @default 50 */
  readonly intervalMs?: number;
  /** Says what was awaited, in the timeout error. @default 'condition' */
  readonly message?: string;
}

/**
 * Poll `predicate` until it returns true (or a truthy value, which is returned), with a bounded
 * deadline. For integration tests that wait on real servers; unit tests use FakeClock instead.
 *
 * @example
 * ```ts
 * await waitUntil(async () => (await countConnections(url, app)) === 0, { message: 'connections closed' });
 * ```
 */
export async function waitUntil<T>(
  predicate: () => T | Promise<T>,
  options: WaitUntilOptions = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`waitUntil: ${options.message ?? 'condition'} not met within ${timeoutMs} ms${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
