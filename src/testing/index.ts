/**
 * Test helpers for users of phasegate: `import { FakeClock } from 'phasegate/testing'`.
 */
export { FakeClock } from './fake-clock.js';
export {
  fakeComponent,
  type FakeComponent,
  type FakeComponentOptionsInput,
  type FakeHandle,
  type FakeAttemptEvent,
} from './fake-component.js';
export { runUntilSettled, type Settled } from './run-until-settled.js';
export {
  testComponentContext,
  type TestComponentContext,
  type TestComponentContextOptions,
} from './component-context.js';
export { FakePostgres, sqlError, type FakePostgresOptions } from '../components/postgres/fake-postgres.js';
