import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/config-error.js';
import { parseStormArgs } from './run.js';

/** The ConfigError `parseStormArgs` throws for `args`, as `path: message`. */
function refusal(args: readonly string[]): string {
  try {
    parseStormArgs(args);
  } catch (error) {
    if (isConfigError(error)) return `${error.path}: ${error.message}`;
    throw error;
  }
  throw new Error(`accepted ${args.join(' ')}`);
}

describe('npm run bench:storm arguments', () => {
  it('takes --runs N (or --runs=N) and --scenario FILE', () => {
    expect(parseStormArgs([])).toEqual({});
    expect(parseStormArgs(['--runs', '3'])).toEqual({ runs: 3 });
    expect(parseStormArgs(['--runs=3', '--scenario', 's.yaml'])).toEqual({ runs: 3, scenario: 's.yaml' });
  });

  it('refuses what it used to ignore or misread, naming the flag', () => {
    expect(refusal(['--run', '3'])).toMatch(/^arguments: .*--run/); // misspelled: ran once, silently
    expect(refusal(['--runs'])).toMatch(/^arguments: .*--runs/); // no value: ignored
    expect(refusal(['--runs', 'abc'])).toMatch(/^--runs: .*got "abc"/); // said "got NaN"
    expect(refusal(['--runs', '0'])).toMatch(/^--runs: /);
    expect(refusal(['--runs', '2.5'])).toMatch(/^--runs: /);
    expect(refusal(['--scenario', '--runs', '3'])).toMatch(/--scenario/); // took --runs as the file
    expect(refusal(['extra.yaml'])).toMatch(/^arguments: /);
  });
});
