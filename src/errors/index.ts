export { ErrorCodes, type ErrorCode } from './codes.js';
export { ERROR_CLASSES, isRetryableClass, type ErrorClass } from './classification.js';
export { PhasegateError, isPhasegateError } from './phasegate-error.js';
export { StartupError, isStartupError, type StartupErrorContext } from './startup-error.js';
export { ConfigError, isConfigError } from './config-error.js';
export { DeadlineExceededError } from './deadline-exceeded-error.js';
export { AttemptTimeoutError } from './attempt-timeout-error.js';
export { BreakerOpenError } from './breaker-open-error.js';
export { AbortedError } from './aborted-error.js';
export {
  classify,
  createClassifier,
  builtinRule,
  type Classifier,
  type ClassificationRule,
} from './classify.js';
export { ExitCodes, exitCodeFor, type ExitCode } from './exit-codes.js';
