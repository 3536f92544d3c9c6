import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { bearerTokenPredicate, createTrustPredicate, isLoopbackAddress, type TrustRequest } from './trust.js';

function from(remoteAddress: string | undefined, headers: IncomingHttpHeaders = {}): TrustRequest {
  return { socket: { remoteAddress }, headers };
}

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3', '::ffff:127.0.0.53'])(
    '%s is loopback',
    (a) => {
      expect(isLoopbackAddress(a)).toBe(true);
    },
  );
  it.each([
    undefined,
    '',
    '10.0.0.7',
    '::ffff:10.0.0.7',
    '192.168.1.1',
    'fe80::1',
    '::',
    '0.0.0.0',
    '1127.0.0.1',
    '127.0.0.1.evil',
  ])('%s is not loopback', (a) => {
    expect(isLoopbackAddress(a)).toBe(false);
  });
});

describe('createTrustPredicate', () => {
  const token = 'b7c0ffee-5ecret-t0ken';

  it('trusts loopback peers and not remote ones', () => {
    const trusted = createTrustPredicate({ token: undefined, trustLoopback: true });
    expect(trusted(from('127.0.0.1'))).toBe(true);
    expect(trusted(from('::1'))).toBe(true);
    expect(trusted(from('::ffff:127.0.0.1'))).toBe(true);
    expect(trusted(from('10.1.2.3'))).toBe(false);
    expect(trusted(from('::ffff:203.0.113.9'))).toBe(false);
  });

  it('does not trust a loopback peer that forwarded a request (a local proxy)', () => {
    const trusted = createTrustPredicate({ token: undefined, trustLoopback: true });
    expect(trusted(from('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }))).toBe(false);
    expect(trusted(from('::1', { forwarded: 'for=203.0.113.9' }))).toBe(false);
    // nginx's common `proxy_set_header X-Real-IP $remote_addr;` alone, and the other proxy headers.
    expect(trusted(from('127.0.0.1', { 'x-real-ip': '203.0.113.9' }))).toBe(false);
    expect(trusted(from('127.0.0.1', { 'x-forwarded-host': 'api.example.com' }))).toBe(false);
    expect(trusted(from('127.0.0.1', { 'x-forwarded-proto': 'https' }))).toBe(false);
    expect(trusted(from('::ffff:127.0.0.1', { via: '1.1 proxy' }))).toBe(false);
    expect(trusted(from('127.0.0.1', { 'user-agent': 'curl/8' }))).toBe(true);
  });

  it('trusts a remote caller with the right bearer token only', () => {
    const trusted = createTrustPredicate({ token, trustLoopback: true });
    expect(trusted(from('10.1.2.3', { authorization: `Bearer ${token}` }))).toBe(true);
    expect(trusted(from('10.1.2.3', { authorization: `bearer ${token}` }))).toBe(true);
    expect(trusted(from('10.1.2.3', { authorization: `Bearer ${token}x` }))).toBe(false);
    expect(trusted(from('10.1.2.3', { authorization: `Bearer ${token.slice(1)}` }))).toBe(false);
    expect(trusted(from('10.1.2.3', { authorization: token }))).toBe(false);
    expect(trusted(from('10.1.2.3', { authorization: `Basic ${token}` }))).toBe(false);
    expect(trusted(from('10.1.2.3', { authorization: 'Bearer ' }))).toBe(false);
    expect(trusted(from('10.1.2.3', { authorization: `Bearer ${token} ${token}` }))).toBe(false);
    expect(trusted(from('10.1.2.3', { authorization: `Bearer ${token}  ` }))).toBe(true);
    expect(trusted(from('10.1.2.3'))).toBe(false);
  });

  it('with trustLoopback false, loopback needs the token too', () => {
    const trusted = createTrustPredicate({ token, trustLoopback: false });
    expect(trusted(from('127.0.0.1'))).toBe(false);
    expect(trusted(from('127.0.0.1', { authorization: `Bearer ${token}` }))).toBe(true);
  });

  it('accepts no token at all when none is configured', () => {
    const trusted = createTrustPredicate({ token: undefined, trustLoopback: false });
    expect(trusted(from('10.1.2.3', { authorization: 'Bearer undefined' }))).toBe(false);
    expect(trusted(from('10.1.2.3', { authorization: 'Bearer ' }))).toBe(false);
  });

  it('bearerTokenPredicate compares whole tokens of any length', () => {
    const matches = bearerTokenPredicate('a');
    expect(matches(from(undefined, { authorization: 'Bearer a' }))).toBe(true);
    expect(matches(from(undefined, { authorization: `Bearer ${'a'.repeat(1000)}` }))).toBe(false);
  });
});
