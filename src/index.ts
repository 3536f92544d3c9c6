/**
 * phasegate: deterministic, capacity-aware startup for Node.js services.
 */
export { systemClock, type Clock, type CancelTimer } from './common/clock.js';
export { Scope } from './common/scope.js';
export { seededRandom, defaultRandom, type Random } from './common/random.js';
export { Emitter, type Disposable, type Event } from './common/events.js';
export { redactText, redactUrl, safeMessage, REDACTED } from './common/redact.js';
export * from './errors/index.js';
