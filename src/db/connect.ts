import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import type { Database } from './database.ts';

// better-chatbot stores UTC in `timestamp without time zone`; node-postgres would read it as local time.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (value) => new Date(`${value.replace(' ', 'T')}Z`));
// ...and writes Dates as local time with an offset, which a `timestamp` column silently drops.
pg.defaults.parseInputDatesAsUTC = true;

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  statementTimeoutMs?: number;
  /** Statements sent without waiting for the previous answer (see pipelinedTransaction). */
  pipeline?: boolean;
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const startup = ['-c TimeZone=UTC'];
  if (options.statementTimeoutMs) startup.push(`-c statement_timeout=${options.statementTimeoutMs}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 5,
    application_name: options.applicationName ?? 'chat-archiver',
    options: startup.join(' '),
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    pipeline: options.pipeline ?? false,
  });
  // A client that loses its server (restart, network) must not crash the process. The pool handles idle clients
  // ('error' on the pool); a checked-out client between two statements of a transaction emits 'error' on itself,
  // unhandled unless listened to here. Its next query fails instead, and the pool drops it when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDb(url: string, options: PoolOptions = {}): Kysely<Database> {
  return createDbOn(createPool(url, options));
}

/** Kysely over an existing pool; destroying it ends the pool. */
export function createDbOn(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * The URL the mcp and worker processes connect with: the restricted service role.
 * `MCP_DATABASE_URL` wins; otherwise the owner URL's host/port/database with the MCP_DB_* overrides.
 */
export function serviceRoleUrl(config: Config, ownerUrl: string, generatedPassword?: string): string {
  const role = config.serviceRole;
  if (role.url) return role.url;
  const password = role.password ?? generatedPassword;
  if (!password) {
    throw new ConfigError(['MCP_DB_PASSWORD: required when DATABASE_URL is set (the service role connects with it)']);
  }
  const url = new URL(ownerUrl);
  url.username = encodeURIComponent(role.user);
  url.password = encodeURIComponent(password);
  if (role.host) url.hostname = role.host;
  if (role.port) url.port = String(role.port);
  if (role.database) url.pathname = `/${encodeURIComponent(role.database)}`;
  if (role.ssl) url.searchParams.set('sslmode', 'require');
  return url.toString();
}

/** The owner URL with another database name (test and benchmark databases). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}
