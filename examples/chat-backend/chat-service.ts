/**
 * The chat service: stores messages in Postgres, lists them in id order, and tells listeners (the
 * WebSocket broadcast) about each new one.
 */

import { z } from 'zod';
import { Emitter, type Event } from '../../src/index.js';

/** Rows of a query. */
export interface QueryResult {
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/** One borrowed connection. */
export interface Session {
  query(text: string, values?: readonly unknown[]): Promise<QueryResult>;
}

/** What the service needs from a Postgres pool (phasegate's `PostgresPool` fits). */
export interface Database extends Session {
  /** Run `fn` on one connection (for a transaction). */
  withConnection<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}

/** The database is not up (graceful mode, while it recovers): the API answers 503. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'CHAT_DATABASE_UNAVAILABLE';
  constructor() {
    super('the database is not available yet');
  }
}

/** A stored message, as the API returns it. */
export interface Message {
  readonly id: number;
  readonly text: string;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** Longest message, in characters (Unicode code points, as Postgres counts them). */
export const MAX_TEXT_LENGTH = 4000;

/** Tables the service cannot run without; checked after the migration. */
export const REQUIRED_TABLES = ['messages'] as const;

const MIGRATION = `
CREATE TABLE IF NOT EXISTS messages (
  id         bigserial PRIMARY KEY,
  text       text NOT NULL CHECK (char_length(text) BETWEEN 1 AND ${MAX_TEXT_LENGTH}),
  created_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Advisory-lock key that makes messages commit in id order across the fleet (see
 * {@link ChatService.post}).
 */
export const MESSAGE_ORDER_LOCK = 7_100_424;

/** Advisory-lock key that serialises the migration across instances starting at once. */
const MIGRATION_LOCK = 7_100_423;

/**
 * Create the schema if it is missing. Instances that start together would race on
 * `CREATE TABLE IF NOT EXISTS` (it can fail with a duplicate pg_type row), so the migration runs
 * under a transaction-scoped advisory lock.
 */
export async function migrate(db: Database): Promise<void> {
  await db.withConnection(async (session) => {
    await session.query('BEGIN');
    try {
      await session.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await session.query(MIGRATION);
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/** Throws an error naming the tables that are missing. */
export async function checkRequiredTables(db: Database): Promise<void> {
  const result = await db.query(
    'SELECT name, to_regclass(name)::text AS found FROM unnest($1::text[]) AS name',
    [REQUIRED_TABLES],
  );
  const missing = result.rows.filter((row) => row.found === null).map((row) => String(row.name));
  if (missing.length > 0) {
    throw Object.assign(new Error(`required tables are missing: ${missing.join(', ')}`), { code: '42P01' });
  }
}

/** A UTF-16 surrogate that is not part of a pair (`u` mode reads a pair as one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

const messageBody = z.object({
  text: z
    .string({ error: 'text must be a string' })
    .refine((text) => [...text].length >= 1, 'text must not be empty')
    // A message of spaces shows as nothing in a client: most likely a client bug, not a message.
    .refine((text) => text.length === 0 || text.trim() !== '', 'text must not be only whitespace')
    .refine(
      (text) => [...text].length <= MAX_TEXT_LENGTH,
      `text must be at most ${MAX_TEXT_LENGTH} characters`,
    )
    .refine((text) => !text.includes('\u0000'), 'text must not contain NUL characters')
    // A lone surrogate (half of a UTF-16 pair, "\ud800" in JSON) is no character: Postgres would
    // store U+FFFD in its place, and the stored message would not be the one sent.
    .refine(
      (text) => !LONE_SURROGATE.test(text),
      'text must be valid Unicode (a lone surrogate such as \\ud800 is half of a character)',
    ),
});

/** The result of validating a `POST /messages` body. */
export type BodyCheck =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/**
 * Validate a parsed `POST /messages` body: `{ "text": string }`, 1 to 4,000 characters, not only
 * whitespace.
 */
export function checkMessageBody(body: unknown): BodyCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'body must be a JSON object like {"text": "hello"}' };
  }
  const result = messageBody.safeParse(body);
  if (result.success) return { ok: true, text: result.data.text };
  const issue = result.error.issues[0];
  const reason =
    issue?.code === 'invalid_type' && issue.path[0] === 'text' ? 'text must be a string' : issue?.message;
  return { ok: false, reason: reason ?? 'invalid body' };
}

const toMessage = (row: Readonly<Record<string, unknown>>): Message => ({
  id: Number(row.id),
  text: String(row.text),
  createdAt: (row.created_at as Date).toISOString(),
});

/**
 * Stores and lists messages.
 *
 * @example
 * ```ts
 * const chat = new ChatService(() => orchestrator.tryGet('postgres'));
 * chat.onMessage((m) => broadcast(m));
 * await chat.post('hello');
 * ```
 */
export class ChatService {
  private readonly created = new Emitter<Message>();

  /** @param database The pool, or undefined while the database is down (then calls reject with {@link DatabaseUnavailableError}). */
  constructor(private readonly database: () => Database | undefined) {}

  private get db(): Database {
    const db = this.database();
    if (!db) throw new DatabaseUnavailableError();
    return db;
  }

  /** Fires after each message is stored. */
  get onMessage(): Event<Message> {
    return this.created.event;
  }

  /**
   * Store a message (the text must already be valid, see {@link checkMessageBody}).
   *
   * Inserts take {@link MESSAGE_ORDER_LOCK} (until their commit) before they draw an id, so messages
   * commit in id order: otherwise a reader could see id 11 while id 10 is still being stored, and
   * page on with `after=11` past it for good.
   */
  async post(text: string): Promise<Message> {
    const result = await this.db.query(
      `WITH ordered AS (SELECT pg_advisory_xact_lock($2))
       INSERT INTO messages (text) SELECT $1::text FROM ordered RETURNING id, text, created_at`,
      [text, MESSAGE_ORDER_LOCK],
    );
    const message = toMessage(result.rows[0]!);
    this.created.emit(message);
    return message;
  }

  /** Messages with an id greater than `after`, in id order, at most `limit` of them. */
  async list(after: number, limit: number): Promise<Message[]> {
    const result = await this.db.query(
      'SELECT id, text, created_at FROM messages WHERE id > $1 ORDER BY id LIMIT $2',
      [after, limit],
    );
    return result.rows.map(toMessage);
  }

  /**
   * The largest id stored, 0 when there is none. Every message with a smaller id is stored already or
   * never will be (see {@link ChatService.post}): the position of a reader that has seen everything.
   */
  async lastId(): Promise<number> {
    const result = await this.db.query('SELECT coalesce(max(id), 0) AS id FROM messages');
    return Number(result.rows[0]!.id);
  }

  /** Forget every listener. */
  close(): void {
    this.created.clear();
  }
}
