/**
 * Test helpers for users of phasegate: `import { FakeClock } from 'phasegate/testing'`.
 */
export { FakeClock } from './fake-clock.js';
