/**
 * The TCP and HTTP components against local servers on port 0.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpComponent } from '../../src/components/http.js';
import { tcpComponent } from '../../src/components/tcp.js';
import { classify } from '../../src/errors/classify.js';
import { exitCodeFor } from '../../src/errors/exit-codes.js';
import { testComponentContext } from '../../src/testing/component-context.js';
import { freePort } from './helpers/free-port.js';
import { waitUntil } from './helpers/wait-until.js';

const signal = (): AbortSignal => AbortSignal.timeout(5_000);

describe('tcpComponent', () => {
  let server: net.Server;
  let port: number;
  let accepted = 0;
  const open = new Set<net.Socket>();

  beforeAll(async () => {
    server = net.createServer((socket) => {
      accepted++;
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('starts once a connection opens, checks by connecting again, and leaves no socket open', async () => {
    const spec = tcpComponent({ host: '127.0.0.1', port });
    const endpoint = await spec.start(testComponentContext().ctx);
    expect(endpoint).toMatchObject({ host: '127.0.0.1', port });
    await spec.check!(endpoint, { signal: signal() });
    expect(accepted).toBe(2);
    await waitUntil(() => open.size === 0, { message: 'probe sockets closed' });
  });

  it('a refused port is transient', async () => {
    const spec = tcpComponent({ host: '127.0.0.1', port: await freePort() });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe('transient');
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', driverCode: 'ECONNREFUSED', dependency: 'tcp' });
  });

  it('an aborted attempt rejects with the abort reason', async () => {
    const spec = tcpComponent({ host: '127.0.0.1', port });
    const t = testComponentContext();
    t.attempt.abort(new Error('phase deadline'));
    await expect(spec.start(t.ctx)).rejects.toThrow('phase deadline');
  });

  it('rejects bad settings up front', () => {
    expect(() => tcpComponent({ host: '', port: 1 })).toThrow(/tcp\.host/);
    expect(() => tcpComponent({ host: 'x', port: 70_000 })).toThrow(/tcp\.port/);
  });
});

describe('httpComponent', () => {
  let server: http.Server;
  let base: string;
  const hanging = new Set<http.ServerResponse>();
  const seenAuthorization: Array<string | undefined> = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const status = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
      if (request.url === '/redirect') {
        response.writeHead(302, { location: '/login' }).end();
        return;
      }
      if (request.url === '/whoami') {
        response.writeHead(request.headers.authorization ? 200 : 401).end(request.headers.authorization);
        seenAuthorization.push(request.headers.authorization);
        return;
      }
      if (request.url?.startsWith('/busy')) {
        response.writeHead(503, { 'retry-after': '7' }).end();
        return;
      }
      if (request.url?.startsWith('/hang')) {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        return;
      }
      response.writeHead(status, { 'content-type': 'text/plain' }).end('body');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('starts and checks when the expected status comes back', async () => {
    const spec = httpComponent({ url: `${base}/health?status=204`, expectStatus: [200, 204] });
    const endpoint = await spec.start(testComponentContext().ctx);
    expect(endpoint.lastStatus).toBe(204);
    await expect(spec.check!(endpoint, { signal: signal() })).resolves.toBeUndefined();
  });

  it.each([
    [503, 'capacity'],
    [429, 'capacity'],
    [500, 'transient'],
    [502, 'transient'],
    [404, 'permanent'],
    [401, 'permanent'],
  ])('classifies an unexpected %i as %s', async (status, expected) => {
    const spec = httpComponent({ url: `${base}/health?status=${status}` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe(expected);
    expect(error).toMatchObject({ status, driverCode: `HTTP ${status}`, dependency: 'http' });
  });

  it('a refused connection is transient', async () => {
    const spec = httpComponent({ url: `http://127.0.0.1:${await freePort()}/health` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe('transient');
    expect(error).toMatchObject({ driverCode: 'ECONNREFUSED' });
  });

  it('an address where something other than HTTP answers is config (exit 78), not a bug', async () => {
    // A Redis port, say: its reply is not an HTTP status line, and it will not become one.
    const sockets = new Set<net.Socket>();
    const redisLike = net.createServer((socket) => {
      sockets.add(socket);
      socket.end('-ERR unknown command\r\n');
    });
    await new Promise<void>((resolve) => redisLike.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = redisLike.address() as net.AddressInfo;
      const spec = httpComponent({ url: `http://127.0.0.1:${port}/health` });
      const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'http' });
      expect((error as { driverCode?: string }).driverCode).toMatch(/^HPE_/);
      expect(classify(error)).toBe('config');
      expect(exitCodeFor(error)).toBe(78);
      expect((error as { hint?: string }).hint).toMatch(/does not answer HTTP/);
    } finally {
      // fetch (Node 20's undici) leaves its socket open after a reply it cannot parse.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => redisLike.close(() => resolve()));
    }
  });

  it('a port fetch() refuses to use is config (exit 78) with a hint, not a bug', async () => {
    // 10080 is on the Fetch standard's list of blocked ports: fetch fails without connecting.
    const spec = httpComponent({ url: 'http://svc:pa55@127.0.0.1:10080/health' });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'http' });
    expect((error as Error).message).toContain('port 10080');
    expect(classify(error)).toBe('config');
    expect(exitCodeFor(error)).toBe(78);
    expect((error as { hint?: string }).hint).toMatch(/another port/);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain('pa55');
  });

  it('honours the attempt signal on a server that never answers', async () => {
    const spec = httpComponent({ url: `${base}/hang` });
    const t = testComponentContext();
    const starting = spec.start(t.ctx).catch((e: unknown) => e);
    await waitUntil(() => hanging.size === 1, { message: 'request arrived' });
    t.attempt.abort(new Error('attempt timed out'));
    expect(((await starting) as Error).message).toBe('attempt timed out');
    await waitUntil(() => hanging.size === 0, { message: 'request closed after abort' });
  });

  it('does not follow a redirect: a 302 to a login page is not "up"', async () => {
    const spec = httpComponent({ url: `${base}/redirect` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 302, classification: 'permanent' });
    const accepting = httpComponent({ url: `${base}/redirect`, expectStatus: [200, 302] });
    await expect(accepting.start(testComponentContext().ctx)).resolves.toMatchObject({ lastStatus: 302 });
  });

  it('sends user:password in the URL as basic auth, and shows neither', async () => {
    const secret = 'pa55-w0rd-91c';
    const spec = httpComponent({ url: base.replace('http://', `http://svc:${secret}@`) + '/whoami' });
    const endpoint = await spec.start(testComponentContext().ctx);
    expect(seenAuthorization.at(-1)).toBe(`Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`);
    expect(JSON.stringify(endpoint)).not.toContain(secret);
    // An authorization header of the caller's own wins.
    const own = httpComponent({
      url: base.replace('http://', `http://svc:${secret}@`) + '/whoami',
      headers: { Authorization: 'Bearer abc' },
    });
    await own.start(testComponentContext().ctx);
    expect(seenAuthorization.at(-1)).toBe('Bearer abc');
  });

  it('sends a token given as the URL user as basic auth, and shows it nowhere (https://TOKEN@host)', async () => {
    const token = 'ghp-t0ken-5e1';
    const url = base.replace('http://', `http://${token}@`);
    const endpoint = await httpComponent({ url: `${url}/whoami` }).start(testComponentContext().ctx);
    expect(seenAuthorization.at(-1)).toBe(`Basic ${Buffer.from(`${token}:`).toString('base64')}`);
    expect(JSON.stringify(endpoint)).not.toContain(token);
    const failing = httpComponent({ url: `${url}/health?status=500` });
    const error = await failing.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect((error as Error).message).toContain('http://***@');
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(token);
  });

  it("carries a 503's Retry-After as retryAfterMs, which the retry policy waits", async () => {
    const spec = httpComponent({ url: `${base}/busy` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, classification: 'capacity', retryAfterMs: 7_000 });
  });

  it('keeps a token in the URL out of its messages', async () => {
    const spec = httpComponent({ url: `${base}/health?status=500&token=s3cr3t-tok` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain('s3cr3t-tok');
  });
});
