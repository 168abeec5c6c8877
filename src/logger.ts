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
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
