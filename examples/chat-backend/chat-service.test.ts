import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH, checkMessageBody } from './chat-service.js';

describe('checkMessageBody', () => {
  it.each([
    [{ text: 'hello' }, 'hello'],
    [{ text: 'x'.repeat(MAX_TEXT_LENGTH) }, 'x'.repeat(MAX_TEXT_LENGTH)],
    // 4,000 emoji are 8,000 UTF-16 units but 4,000 characters, as Postgres counts them.
    [{ text: '😀'.repeat(MAX_TEXT_LENGTH) }, '😀'.repeat(MAX_TEXT_LENGTH)],
  ])('accepts %#', (body, text) => {
    expect(checkMessageBody(body)).toEqual({ ok: true, text });
  });

  it.each([
    [null, 'body must be a JSON object'],
    [[], 'body must be a JSON object'],
    ['hello', 'body must be a JSON object'],
    [{}, 'text must be a string'],
    [{ text: 42 }, 'text must be a string'],
    [{ text: '' }, 'text must not be empty'],
    [{ text: ' \t\n\u00a0\u3000' }, 'text must not be only whitespace'],
    [{ text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, `text must be at most ${MAX_TEXT_LENGTH} characters`],
    [{ text: 'a\u0000b' }, 'text must not contain NUL'],
    // Half of a surrogate pair is no character: Postgres would store U+FFFD instead, not the text.
    [{ text: 'a\ud800b' }, 'text must be valid Unicode'],
    [{ text: '\ude00' }, 'text must be valid Unicode'],
    [{ text: '😀'.slice(0, 1) }, 'text must be valid Unicode'],
  ])('rejects %j with a reason', (body, reason) => {
    const check = checkMessageBody(body);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(reason);
  });
});
