/**
 * What test/integration/global-setup.ts hands to every integration test file (vitest `provide` /
 * `inject`).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Postgres URL: TEST_DATABASE_URL, or an embedded server started for the run. */
    databaseUrl: string;
    /** Redis URL: REDIS_URL or redis://127.0.0.1:6379. */
    redisUrl: string;
    /** Why Redis is unusable (with how to start one), or null when it answered PING. */
    redisProblem: string | null;
  }
}

export {};
