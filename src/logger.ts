import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

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
