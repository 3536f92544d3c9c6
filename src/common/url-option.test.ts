import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { parseUrlOption } from './url-option.js';

/** The message of the ConfigError that `value` gets as a Redis URL. */
function refusal(value: string): string {
  try {
    parseUrlOption('admission.url', value, ['redis:', 'rediss:'], 'e.g. redis://host:6379');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${value} to be refused`);
}

describe('parseUrlOption on a URL that does not parse', () => {
  it.each([
    // A space in the password (and so in the host): the `\S+` of the URL pattern stops at it.
    ['redis://app:top secret@cache host:6379', 'redis://app:***@cache host:6379'],
    // A mistyped scheme separator: no `://`, so nothing looked like a URL's userinfo.
    ['redis//:topsecret@cache:6379', '***@cache:6379'],
    // A user name with a space is not shown either.
    ['redis://my app:topsecret@cache:99999', '***@cache:99999'],
  ])('hides the password of %s', (value, shown) => {
    const message = refusal(value);
    expect(message).not.toMatch(/secret/);
    expect(message).toContain(`is not a valid URL: ${shown}`);
  });

  it('still shows the scheme, the user and the host of an ordinary malformed URL', () => {
    expect(refusal('redis://app:hunter2@cache:99999')).toContain(
      'is not a valid URL: redis://app:***@cache:99999',
    );
    expect(refusal('redis://cache:99999/0?password=hunter2')).toContain(
      'is not a valid URL: redis://cache:99999/0?password=***',
    );
  });
});
