/**
 * The chat backend's HTTP routes on plain `node:http`: `POST /messages` and `GET /messages?after=ID`.
 * Health endpoints are served by the lifecycle in front of these.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { classify } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import {
  DatabaseUnavailableError,
  MAX_TEXT_LENGTH,
  checkMessageBody,
  type ChatService,
} from './chat-service.js';
import { requestUrl } from './request-target.js';
import type { SigningKey } from './signing-key.js';
import { WS_PATH } from './websocket.js';

/**
 * Most bytes one character takes in a JSON body: a character outside the Basic Multilingual Plane
 * written as two escapes (`\ud83d\ude00`), as encoders that escape non-ASCII (Python's `json.dumps`)
 * write it. Raw UTF-8 takes at most 4.
 */
const MAX_JSON_BYTES_PER_CHARACTER = 12;

/**
 * Largest accepted request body, in bytes: the longest message however its JSON is encoded, plus
 * room for the object around it. A longer body gets 413: at once when its `content-length` says so,
 * else as soon as that many bytes have come (a chunked body); a shorter one with too long a text
 * gets 400 and the reason.
 */
export const MAX_BODY_BYTES = MAX_TEXT_LENGTH * MAX_JSON_BYTES_PER_CHARACTER + 1024;

/** Default and largest page size of `GET /messages`. */
const PAGE = { default: 100, max: 500 } as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function reply(res: ServerResponse, status: number, body: unknown, key?: SigningKey): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  };
  if (key) headers['x-signature'] = key.sign(text);
  res.writeHead(status, headers);
  res.end(text);
}

/** `application/json`, optionally with parameters (`; charset=utf-8`), but not `application/json-seq`. */
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/** The client went away while its request body was still coming: nobody is left to answer. */
class ClientGoneError extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!JSON_MEDIA_TYPE.test(type)) throw new HttpError(415, 'content-type must be application/json');
  const tooLarge = (): HttpError => new HttpError(413, `body must be at most ${MAX_BODY_BYTES} bytes`);
  // A declared length (Node has checked it is one number) is refused before any of the body is read.
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new ClientGoneError('the client closed the connection before sending the whole body', {
      cause: error,
    });
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'body must be valid JSON like {"text": "hello"}');
  }
}

/**
 * The integer query parameter `name`, between `min` and `max`; `fallback` when it is missing or
 * empty. Given twice (`after=1&after=9`) it is a 400: which one the client meant is anyone's guess.
 */
function integerParam(
  params: URLSearchParams,
  name: string,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  const values = params.getAll(name);
  if (values.length > 1) throw new HttpError(400, `${name} must be given once, got ${values.length} values`);
  const value = values[0];
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new HttpError(400, `${name} must be an integer between ${min} and ${max}`);
  }
  return Number(value);
}

/**
 * The request handler of the chat API. Answers 404 for other paths, 426 for `GET /ws` without a
 * WebSocket upgrade, and 405 for other methods.
 * Database errors become 503 when waiting may help (transient, capacity) and 500 otherwise.
 */
export function createChatRoutes(
  chat: ChatService,
  options: { readonly logger: Logger; readonly key: SigningKey },
): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger, key } = options;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    if (!url) throw new HttpError(400, 'the request target must be a path such as /messages');
    if (url.pathname === WS_PATH) {
      // The WebSocket's path without an upgrade (a browser tab, curl): say what it takes.
      res.setHeader('upgrade', 'websocket');
      throw new HttpError(426, `${WS_PATH} is a WebSocket: connect with an Upgrade: websocket request`);
    }
    if (url.pathname !== '/messages') throw new HttpError(404, `no route for ${url.pathname}`);
    if (req.method === 'POST') {
      const check = checkMessageBody(await readJson(req));
      if (!check.ok) throw new HttpError(400, check.reason);
      reply(res, 201, await chat.post(check.text), key);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const after = integerParam(url.searchParams, 'after', 0);
      const limit = integerParam(url.searchParams, 'limit', PAGE.default, {
        min: 1,
        max: PAGE.max,
      });
      reply(res, 200, await chat.list(after, limit), key);
      return;
    }
    res.setHeader('allow', 'GET, HEAD, POST');
    throw new HttpError(405, `method ${req.method ?? '?'} not allowed`);
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof ClientGoneError) {
        // A client hanging up is not a failure of this service: no error line, no status to count.
        logger.debug({ event: 'http.client-gone', method: req.method, path: req.url }, error.message);
        res.destroy();
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        // The rest of a body too large is not read: keeping the connection would mean reading it.
        if (error.status === 413) res.setHeader('connection', 'close');
        reply(res, error.status, { error: error.message });
        return;
      }
      const errorClass = classify(error);
      const unavailable = error instanceof DatabaseUnavailableError;
      const status = unavailable || errorClass === 'transient' || errorClass === 'capacity' ? 503 : 500;
      logger.error(
        { event: 'http.error', err: error, method: req.method, path: req.url, status },
        'request failed',
      );
      if (status === 503) res.setHeader('retry-after', '1');
      reply(res, status, { error: status === 503 ? 'temporarily unavailable, retry' : 'internal error' });
    });
  };
}
