import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type pinoPrettyModule from 'pino-pretty';

export type { Logger };

export type LogFormat = 'pretty' | 'json';

/** Human lines for a person at a terminal, JSON lines for log collectors; LOG_FORMAT overrides the guess. */
export function resolveLogFormat(configured: LogFormat | undefined, stderrIsTTY: boolean | undefined): LogFormat {
  return configured ?? (stderrIsTTY === true ? 'pretty' : 'json');
}

const requireHere = createRequire(import.meta.url);

/**
 * pino-pretty as a synchronous stream on stderr: no worker thread, nothing lost when the process exits. Loaded only
 * when a terminal (or LOG_FORMAT=pretty) asks for it: services logging JSON do not carry it.
 */
export function prettyDestination(colorize: boolean, destination: number | NodeJS.WritableStream = 2): DestinationStream {
  const pinoPretty = requireHere('pino-pretty') as typeof pinoPrettyModule;
  return pinoPretty({
    destination,
    sync: true,
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
}

/** The destination the configured (or guessed) format asks for, on stderr. */
export function logDestination(configured: LogFormat | undefined): DestinationStream {
  const tty = process.stderr.isTTY;
  return resolveLogFormat(configured, tty) === 'pretty' ? prettyDestination(tty === true) : pino.destination(2);
}

/**
 * One logger for the process. Logs go to stderr so that stdout stays free for the MCP stdio transport and for
 * CLI output meant for scripts. Message text, passwords and tokens are redacted wherever they appear by key.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { service: 'chat-archiver' },
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'req.headers.authorization',
          'text',
          '*.text',
          'parts',
          '*.parts',
          'content',
          '*.content',
          'connectionString',
          '*.connectionString',
        ],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
    },
    destination,
  );
}

/** pino's error serializer, without the live objects some libraries hang on errors (a pg client, a socket). */
function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (serialized && typeof serialized === 'object') {
    for (const key of ['client', 'connection', 'socket', 'query', 'parameters']) delete serialized[key];
  }
  return serialized;
}
