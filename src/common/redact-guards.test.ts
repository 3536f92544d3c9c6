import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactText } from './redact.js';

// redactText skips each pattern when a literal it needs is absent. This is the unguarded sequence
// (the patterns as in redact.ts, without the config-path exception, which no fragment below
// triggers): the guards must never change the result.
function unguarded(text: string): string {
  if (!/[:=]|bearer/i.test(text)) return text;
  return text
    .replace(
      /(?<![a-z0-9+.-])([a-z0-9+.-]+:\/\/)([^\s:/@]*):(\S+)@/gi,
      (_m, s: string, u: string) => `${s}${u}:${REDACTED}@`,
    )
    .replace(/(?<![a-z0-9+.-])([a-z0-9+.-]+:\/\/)([^\s:/@?#]+)@/gi, (m, s: string) =>
      /(?:https?|wss?):\/\/$/i.test(s) ? `${s}${REDACTED}@` : m,
    )
    .replace(
      /(?<![a-z0-9_.-])((?:proxy-)?authorization["']?\s*[=:]\s*)(?:"[^"]*"|'[^']*'|((?:basic|bearer|digest|negotiate|ntlm|token|dpop)[ \t]+)?[^\s&;,'"]+)/gi,
      (_m, key: string, scheme: string | undefined) => `${key}${scheme ?? ''}${REDACTED}`,
    )
    .replace(
      /(?<![a-z0-9_.-])([a-z0-9_.-]*?(?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth))(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,'"]+)/gi,
      (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`,
    )
    .replace(/\b(bearer\s+)[a-z0-9._~+/=-]+/gi, (_m, prefix: string) => `${prefix}${REDACTED}`);
}

const fragments = [
  'postgres://app:hunter2@db:5432/app',
  'https://TOKEN@host/x',
  'Authorization: Bearer abc.def',
  'Proxy-Authorization="x"',
  'DB_PASSWORD=s3cret',
  'access_token: t0k',
  'API-KEY=k',
  'bearer xyz',
  'AUTH=1',
  'pwd:',
  ': ',
  '=',
  '://',
  'sorry, too many clients already',
  'postgres simulated-postgres',
  ' ',
  '@',
  '"',
];

describe('redactText guards', () => {
  it('give the same text as running every pattern (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 8 }), (parts) => {
        const text = parts.join('');
        expect(redactText(text)).toBe(unguarded(text));
      }),
      { numRuns: 2000 },
    );
  });
});
