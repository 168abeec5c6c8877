import path from 'node:path';
import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from './ops/duration.ts';
import { exportFormats } from './export/export-types.ts';

/** Raised when the environment does not describe a runnable service; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    error: 'expected true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const port = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65535, 'expected a port between 1 and 65535');

const positiveInt = z.coerce.number({ error: 'expected a number' }).int('expected a whole number').positive('expected a positive number');

const HOUR_MS = 3_600_000;
const duration = (max?: { ms: number; label: string }) =>
  z
    .string()
    .trim()
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration (${DURATION_EXAMPLES})` });
        return z.NEVER;
      }
      if (max && ms > max.ms) {
        ctx.addIssue({ code: 'custom', message: `expected at most ${max.label}` });
        return z.NEVER;
      }
      return ms;
    });

/** A URL whose scheme is one of `schemes` (without the colon), e.g. ['http', 'https']. */
const urlOf = (schemes: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return schemes.includes(new URL(v).protocol.slice(0, -1));
      } catch {
        return false;
      }
    }, `expected a URL such as ${schemes.map((s) => `${s}://`).join(' or ')}`);

const httpUrl = urlOf(['http', 'https']);
const postgresUrl = urlOf(['postgres', 'postgresql']);

const cronExpression = z
  .string()
  .trim()
  .regex(/^\S+(\s+\S+){4}$/, 'expected a 5-field cron expression such as "0 3 * * *"');

const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  // prefault: the fallback goes through the schema like a real value (coercion, transforms).
  z.preprocess(emptyAsUndefined, schema.prefault(fallback as never));

const envSchema = z.object({
  DATABASE_URL: optional(postgresUrl),
  MCP_DATABASE_URL: optional(postgresUrl),
  MCP_DB_HOST: optional(z.string().trim().min(1)),
  MCP_DB_PORT: optional(port),
  MCP_DB_NAME: optional(z.string().trim().min(1)),
  MCP_DB_USER: withDefault(
    z.string().trim().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case PostgreSQL role name'),
    'mcp_service_user',
  ),
  MCP_DB_PASSWORD: optional(z.string().min(12, 'expected at least 12 characters')),
  MCP_DB_SSL: withDefault(booleanFromEnv, 'false'),
  MCP_SERVER_NAME: withDefault(z.string().trim().min(1).max(100), 'database-assistant'),
  MCP_SERVER_ENABLED: withDefault(booleanFromEnv, 'true'),
  MCP_ARCHIVER_USER_ID: optional(z.uuid({ error: 'expected a user id (uuid)' })),
  MCP_ARCHIVER_TOKEN: optional(z.string().trim().regex(/^cat_[A-Za-z0-9_-]+$/, 'expected an access token (cat_…) from `chat-archiver token create`')),
  HOST: withDefault(z.string().trim().min(1), '127.0.0.1'),
  PORT: withDefault(port, '8787'),
  MCP_ALLOWED_HOSTS: optional(z.string().trim()),
  MCP_ALLOWED_ORIGINS: optional(z.string().trim()),
  MCP_SEARCH_TIMEOUT_MS: withDefault(positiveInt.max(60_000, 'expected at most 60000'), '5000'),
  MCP_TOKEN_MAX_CONCURRENT_CALLS: withDefault(positiveInt.max(1000, 'expected at most 1000'), '8'),
  MCP_TOKEN_CALLS_PER_MINUTE: withDefault(positiveInt.max(100_000, 'expected at most 100000'), '300'),
  MCP_TOKEN_CACHE_MS: withDefault(z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 or more').max(60_000, 'expected at most 60000'), '5000'),
  MCP_EXPENSIVE_READS_CONCURRENCY: withDefault(positiveInt.max(100, 'expected at most 100'), '2'),
  MCP_EXPENSIVE_READS_WAIT_MS: withDefault(positiveInt.max(50_000, 'expected at most 50000 (clients time out calls at 60 s)'), '20000'),
  MCP_ARCHIVE_JOBS_PER_USER: withDefault(positiveInt.max(100_000, 'expected at most 100000'), '20'),
  MCP_ANALYSIS_JOBS_PER_USER: withDefault(positiveInt.max(100_000, 'expected at most 100000'), '3'),
  MCP_JOBS_PER_USER: withDefault(positiveInt.max(100_000, 'expected at most 100000'), '20'),
  MCP_ANALYSIS_MAX_DAYS: withDefault(positiveInt.max(366, 'expected at most 366'), '92'),
  LOG_LEVEL: withDefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  LOG_FORMAT: optional(z.enum(['pretty', 'json'], { error: 'expected pretty or json' })),
  DATA_DIR: withDefault(z.string().trim().min(1), '.data'),
  EXPORT_DIR: optional(z.string().trim().min(1)),
  EXPORT_STORE: withDefault(z.enum(['fs', 's3']), 'fs'),
  EXPORT_S3_BUCKET: optional(z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)')),
  EXPORT_S3_PREFIX: withDefault(
    z.string().regex(/^([A-Za-z0-9_.-]+\/)*$/, 'expected key prefix segments each ending in "/", such as chat-archiver/'),
    'chat-archiver/',
  ),
  EXPORT_S3_ENDPOINT: optional(httpUrl),
  EXPORT_S3_REGION: withDefault(z.string().trim().regex(/^[a-z0-9-]{2,32}$/, 'expected a region such as us-east-1'), 'us-east-1'),
  EXPORT_S3_FORCE_PATH_STYLE: withDefault(booleanFromEnv, 'false'),
  EXPORT_S3_DOWNLOADS: withDefault(z.enum(['proxy', 'presigned']), 'proxy'),
  EXPORT_LINK_TTL: withDefault(duration({ ms: 7 * 24 * HOUR_MS, label: '7d' }), '1h'),
  EXPORT_LINK_SECRET: optional(z.string().min(32, 'expected at least 32 characters')),
  PUBLIC_BASE_URL: optional(httpUrl),
  EXPORT_GC_CRON: withDefault(
    z
      .string()
      .trim()
      .regex(/^\S+(\s+\S+){4}$/, 'expected a 5-field cron expression such as "0 * * * *"'),
    '0 * * * *',
  ),
  EXPORT_RETENTION: optional(duration()),
  AUTO_ARCHIVE_AFTER: optional(duration()),
  AUTO_ARCHIVE_CRON: withDefault(cronExpression, '0 2 * * *'),
  AUTO_ARCHIVE_FORMAT: withDefault(z.enum(exportFormats, { error: 'expected json, markdown or pdf' }), 'json'),
  EMBEDDED_PG_DATA: optional(z.string().trim().min(1)),
  EMBEDDED_PG_PORT: withDefault(port, '54329'),
  TOKEN_ENCODING: withDefault(z.enum(['o200k_base', 'cl100k_base']), 'o200k_base'),
  SUMMARY_MAX_CHARS: withDefault(positiveInt.max(20_000, 'expected at most 20000'), '600'),
  WORKER_CONCURRENCY: withDefault(positiveInt.max(64, 'expected at most 64'), '2'),
  WORKER_ARCHIVE_BATCH_SIZE: optional(positiveInt.max(64, 'expected at most 64')),
  SHUTDOWN_TIMEOUT_MS: withDefault(positiveInt, '30000'),
  PATTERN_CRON: withDefault(cronExpression, '0 3 * * *'),
  SEARCH_INDEX_CRON: withDefault(cronExpression, '* * * * *'),
  SEARCH_INDEX_BATCH_SIZE: withDefault(positiveInt.max(50_000, 'expected at most 50000'), '2000'),
  SEARCH_INDEX_SWEEP_THREADS: withDefault(positiveInt.max(1_000_000, 'expected at most 1000000'), '2000'),
  PATTERN_TZ: withDefault(
    z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as UTC or Europe/Paris'),
    'UTC',
  ),
  DB_STATEMENT_TIMEOUT_MS: withDefault(positiveInt, '15000'),
  WORKER_HTTP_PORT: withDefault(port, '8788'),
  DASHBOARD_HOST: withDefault(z.string().trim().min(1), '127.0.0.1'),
  DASHBOARD_PORT: withDefault(port, '8789'),
  DASHBOARD_USER: optional(z.string().trim().min(1)),
  DASHBOARD_PASSWORD: optional(z.string().min(12, 'expected at least 12 characters')),
});

export type Env = z.infer<typeof envSchema>;

/** Every environment variable the service reads (each one is documented in docs/CONFIGURATION.md). */
export const ENV_VARIABLE_NAMES: readonly string[] = Object.keys(envSchema.shape);

export interface ServiceRoleConfig {
  /** Explicit URL for the service role; wins over the MCP_DB_* parts. */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user: string;
  password?: string;
  ssl: boolean;
}

/** What one caller may use of the MCP server (see docs/SECURITY.md, "Limits and quotas"). */
export interface McpLimitsConfig {
  /** Requests one access token may have in flight at once; more answer HTTP 429. */
  concurrentCallsPerToken: number;
  /** Requests per minute per access token (a token bucket of this size, refilled continuously). */
  callsPerMinutePerToken: number;
  /** How long an accepted bearer token is trusted from memory (0: read on every request); revocations are pushed at once. */
  tokenCacheMs: number;
  /** Expensive reads (full-text search, export files) running at once in one process, whoever asks. */
  expensiveReadConcurrency: number;
  /** How long an expensive read waits for a permit before it is refused. */
  expensiveReadWaitMs: number;
  /** Queued + active jobs one non-admin user may have per queue: by queue name, and for any other queue. */
  jobsPerUser: { byQueue: Record<string, number>; otherQueues: number };
  /** The longest range (days) a non-admin token may ask a pattern analysis for. */
  analysisMaxDays: number;
}

export interface Config {
  /** Owner connection used by migrations; undefined means "start the embedded database". */
  databaseUrl?: string;
  serviceRole: ServiceRoleConfig;
  mcp: {
    serverName: string;
    enabled: boolean;
    stdioUserId?: string;
    /** The bearer token `mcp --stdio --remote` relays with (MCP_ARCHIVER_TOKEN). */
    bridgeToken?: string;
    host: string;
    port: number;
    allowedHosts: string[];
    /** Browser origins (scheme://host[:port]) allowed besides the allowed hosts' own. */
    allowedOrigins: string[];
    searchTimeoutMs: number;
    limits: McpLimitsConfig;
  };
  logLevel: Env['LOG_LEVEL'];
  /** Undefined: pretty when stderr is a terminal, JSON otherwise. */
  logFormat?: Env['LOG_FORMAT'];
  dataDir: string;
  exportDir: string;
  exportStore: {
    driver: 'fs' | 's3';
    s3?: { bucket: string; prefix: string; endpoint?: string; region: string; forcePathStyle: boolean };
    /** `proxy`: the MCP process streams downloads; `presigned`: it redirects to a short-lived URL of the bucket. */
    downloads: 'proxy' | 'presigned';
    /** Export files older than this are deleted (rows stay); undefined keeps them. */
    retentionMs?: number;
    gcCron: string;
  };
  links: {
    ttlMs: number;
    /** Undefined: the embedded default's generated secret is used, or links are off. */
    secret?: string;
    /** The base of download links; defaults to http://HOST:PORT. */
    publicBaseUrl: string;
  };
  /** `dataDirExplicit`: set by EMBEDDED_PG_DATA (never moved), rather than derived from DATA_DIR. */
  embedded: { dataDir: string; dataDirExplicit: boolean; port: number };
  tokenEncoding: Env['TOKEN_ENCODING'];
  summaryMaxChars: number;
  /** `archiveBatchSize`: archive-conversation jobs one fetch claims and runs together (unset: the command's default). */
  worker: { concurrency: number; archiveBatchSize?: number; shutdownTimeoutMs: number };
  patterns: { cron: string; timeZone: string };
  /**
   * Retention: every night (cron in UTC), each user's threads idle for `afterMs` and in no archive go into that
   * user's "Auto-archive YYYY-MM". Undefined (AUTO_ARCHIVE_AFTER unset) turns it off.
   */
  autoArchive?: { afterMs: number; cron: string; exportFormat: 'json' | 'markdown' | 'pdf' };
  /** The conversation search index's pass: schedule (UTC), messages per batch, threads re-checked per pass. */
  searchIndex: { cron: string; batchSize: number; sweepThreads: number };
  statementTimeoutMs: number;
  ops: {
    /** Health and metrics of a standalone worker process (the MCP server serves them on its own port). */
    workerHttpPort: number;
    dashboard: { host: string; port: number; auth?: { user: string; password: string } };
  };
}

/** Reads every environment variable the service uses. The only place `process.env` is read. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const raw = env[name];
      const shown = raw === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, raw))})`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  if (Boolean(e.DASHBOARD_USER) !== Boolean(e.DASHBOARD_PASSWORD)) {
    throw new ConfigError([e.DASHBOARD_USER ? 'DASHBOARD_PASSWORD: required with DASHBOARD_USER' : 'DASHBOARD_USER: required with DASHBOARD_PASSWORD']);
  }
  if (e.EXPORT_STORE === 's3' && !e.EXPORT_S3_BUCKET) throw new ConfigError(['EXPORT_S3_BUCKET: required with EXPORT_STORE=s3']);
  if (e.EXPORT_S3_DOWNLOADS === 'presigned' && e.EXPORT_STORE !== 's3') {
    throw new ConfigError(['EXPORT_S3_DOWNLOADS: presigned needs EXPORT_STORE=s3']);
  }
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  const shownHost = e.HOST.includes(':') && !e.HOST.startsWith('[') ? `[${e.HOST}]` : e.HOST;
  return {
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    serviceRole: {
      ...(e.MCP_DATABASE_URL ? { url: e.MCP_DATABASE_URL } : {}),
      ...(e.MCP_DB_HOST ? { host: e.MCP_DB_HOST } : {}),
      ...(e.MCP_DB_PORT ? { port: e.MCP_DB_PORT } : {}),
      ...(e.MCP_DB_NAME ? { database: e.MCP_DB_NAME } : {}),
      user: e.MCP_DB_USER,
      ...(e.MCP_DB_PASSWORD ? { password: e.MCP_DB_PASSWORD } : {}),
      ssl: e.MCP_DB_SSL,
    },
    mcp: {
      serverName: e.MCP_SERVER_NAME,
      enabled: e.MCP_SERVER_ENABLED,
      ...(e.MCP_ARCHIVER_USER_ID ? { stdioUserId: e.MCP_ARCHIVER_USER_ID } : {}),
      ...(e.MCP_ARCHIVER_TOKEN ? { bridgeToken: e.MCP_ARCHIVER_TOKEN } : {}),
      host: e.HOST,
      port: e.PORT,
      allowedHosts: commaList(e.MCP_ALLOWED_HOSTS),
      allowedOrigins: commaList(e.MCP_ALLOWED_ORIGINS),
      searchTimeoutMs: e.MCP_SEARCH_TIMEOUT_MS,
      limits: {
        concurrentCallsPerToken: e.MCP_TOKEN_MAX_CONCURRENT_CALLS,
        callsPerMinutePerToken: e.MCP_TOKEN_CALLS_PER_MINUTE,
        tokenCacheMs: e.MCP_TOKEN_CACHE_MS,
        expensiveReadConcurrency: e.MCP_EXPENSIVE_READS_CONCURRENCY,
        expensiveReadWaitMs: e.MCP_EXPENSIVE_READS_WAIT_MS,
        jobsPerUser: {
          byQueue: { 'archive-conversation': e.MCP_ARCHIVE_JOBS_PER_USER, 'analyze-patterns': e.MCP_ANALYSIS_JOBS_PER_USER },
          otherQueues: e.MCP_JOBS_PER_USER,
        },
        analysisMaxDays: e.MCP_ANALYSIS_MAX_DAYS,
      },
    },
    logLevel: e.LOG_LEVEL,
    ...(e.LOG_FORMAT ? { logFormat: e.LOG_FORMAT } : {}),
    dataDir,
    exportDir: path.resolve(cwd, e.EXPORT_DIR ?? path.join(e.DATA_DIR, 'exports')),
    exportStore: {
      driver: e.EXPORT_STORE,
      ...(e.EXPORT_STORE === 's3' && e.EXPORT_S3_BUCKET
        ? {
            s3: {
              bucket: e.EXPORT_S3_BUCKET,
              prefix: e.EXPORT_S3_PREFIX,
              ...(e.EXPORT_S3_ENDPOINT ? { endpoint: e.EXPORT_S3_ENDPOINT } : {}),
              region: e.EXPORT_S3_REGION,
              forcePathStyle: e.EXPORT_S3_FORCE_PATH_STYLE,
            },
          }
        : {}),
      downloads: e.EXPORT_S3_DOWNLOADS,
      ...(e.EXPORT_RETENTION ? { retentionMs: e.EXPORT_RETENTION } : {}),
      gcCron: e.EXPORT_GC_CRON,
    },
    links: {
      ttlMs: e.EXPORT_LINK_TTL,
      ...(e.EXPORT_LINK_SECRET ? { secret: e.EXPORT_LINK_SECRET } : {}),
      publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${shownHost}:${e.PORT}`).replace(/\/+$/, ''),
    },
    embedded: {
      dataDir: path.resolve(cwd, e.EMBEDDED_PG_DATA ?? path.join(e.DATA_DIR, 'postgres')),
      dataDirExplicit: e.EMBEDDED_PG_DATA !== undefined,
      port: e.EMBEDDED_PG_PORT,
    },
    tokenEncoding: e.TOKEN_ENCODING,
    summaryMaxChars: e.SUMMARY_MAX_CHARS,
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      ...(e.WORKER_ARCHIVE_BATCH_SIZE !== undefined ? { archiveBatchSize: e.WORKER_ARCHIVE_BATCH_SIZE } : {}),
    },
    patterns: { cron: e.PATTERN_CRON, timeZone: e.PATTERN_TZ },
    ...(e.AUTO_ARCHIVE_AFTER !== undefined
      ? { autoArchive: { afterMs: e.AUTO_ARCHIVE_AFTER, cron: e.AUTO_ARCHIVE_CRON, exportFormat: e.AUTO_ARCHIVE_FORMAT } }
      : {}),
    searchIndex: { cron: e.SEARCH_INDEX_CRON, batchSize: e.SEARCH_INDEX_BATCH_SIZE, sweepThreads: e.SEARCH_INDEX_SWEEP_THREADS },
    statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    ops: {
      workerHttpPort: e.WORKER_HTTP_PORT,
      dashboard: {
        host: e.DASHBOARD_HOST,
        port: e.DASHBOARD_PORT,
        ...(e.DASHBOARD_USER && e.DASHBOARD_PASSWORD ? { auth: { user: e.DASHBOARD_USER, password: e.DASHBOARD_PASSWORD } } : {}),
      },
    },
  };
}

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function redactIfSecret(name: string, value: string): string {
  if (/PASSWORD|TOKEN|SECRET/.test(name)) return '***';
  if (/URL$/.test(name)) return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  return value;
}
