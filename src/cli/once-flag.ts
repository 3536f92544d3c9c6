import { InvalidArgumentError } from 'commander';

/**
 * A commander argument parser that refuses a flag given twice (`--instances 2 ... --instances 20`):
 * commander would otherwise keep the last value without a word, and a plan made from the value the
 * user did not mean looks just as right. The error ends the parse as bad input (exit 78); the
 * value is passed on unchanged, as a string, for the command to validate.
 *
 * @example
 * ```ts
 * command.option('--instances <n>', 'instances in steady state', onceFlag('--instances'));
 * ```
 */
export function onceFlag(flag: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined) {
      throw new InvalidArgumentError(
        `${flag} was given more than once (first ${JSON.stringify(previous)}); give ${flag} once`,
      );
    }
    return value;
  };
}
