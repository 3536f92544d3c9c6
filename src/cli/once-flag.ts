import { InvalidArgumentError, type Command } from 'commander';

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

/**
 * Refuse a repeat of every flag of `command` that takes a value (see {@link onceFlag}), present and
 * added later alike: called once per command by the program, instead of a parser on each option.
 * Options with a parser or a default of their own are left as they are (a default would read as a
 * first value).
 */
export function refuseRepeatedFlags(command: Command): Command {
  for (const option of command.options) {
    const takesValue = option.required || option.optional;
    if (
      !takesValue ||
      option.variadic ||
      option.parseArg !== undefined ||
      option.defaultValue !== undefined
    ) {
      continue;
    }
    option.argParser(onceFlag(option.long ?? option.flags));
  }
  return command;
}
