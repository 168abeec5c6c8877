import { ConfigError, loadConfig, type Config } from '../config.ts';
import { CliError, UsageError, type Command, type CommandContext } from './command.ts';
import { EmbeddedPostgresError } from '../db/embedded-postgres.ts';
import { MigrationError } from '../db/migrate.ts';
import { ExportStoreUnavailableError } from '../export/object-store.ts';

const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./start-command.ts')).startCommand,
  migrate: async () => (await import('./migrate-command.ts')).migrateCommand,
  demo: async () => (await import('./demo-command.ts')).demoCommand,
  queues: async () => (await import('./queues-command.ts')).queuesCommand,
  jobs: async () => (await import('./jobs-command.ts')).jobsCommand,
  schedules: async () => (await import('./schedules-command.ts')).schedulesCommand,
  archive: async () => (await import('./archive-command.ts')).archiveCommand,
  analyze: async () => (await import('./analyze-command.ts')).analyzeCommand,
  dashboard: async () => (await import('./dashboard-command.ts')).dashboardCommand,
  mcp: async () => (await import('./mcp-command.ts')).mcpCommand,
  token: async () => (await import('./token-command.ts')).tokenCommand,
  worker: async () => (await import('./worker-command.ts')).workerCommand,
  exports: async () => (await import('./exports-command.ts')).exportsCommand,
  'search-index': async () => (await import('./search-index-command.ts')).searchIndexCommand,
};

function help(all: Command[]): string {
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    'chat-archiver — archive, search and analyse better-chatbot conversations',
    '',
    'Usage: chat-archiver <command> [options]',
    '',
    'Commands:',
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `chat-archiver <command> --help` for a command\'s options. Configuration comes from the environment (see docs/CONFIGURATION.md).',
  ].join('\n');
}

export async function main(argv: string[], io: Pick<CommandContext, 'stdout' | 'stderr'> = process): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const all = await Promise.all(Object.values(commands).map((load) => load()));
    io.stdout.write(`${help(all)}\n`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    io.stderr.write(`chat-archiver: unknown command "${name}" (run chat-archiver --help)\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  let config: Config | undefined;
  const context: CommandContext = {
    config: () => (config ??= loadConfig()),
    stdout: io.stdout,
    stderr: io.stderr,
  };
  try {
    return (await command.run(rest, context)) ?? 0;
  } catch (error) {
    if (error instanceof ExportStoreUnavailableError) {
      io.stderr.write(`chat-archiver ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`chat-archiver: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`chat-archiver ${name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      io.stderr.write(`chat-archiver ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof EmbeddedPostgresError || error instanceof MigrationError) {
      io.stderr.write(`chat-archiver ${name}: ${error.message}\n`);
      return 1;
    }
    const detail = error instanceof Error ? error.message : String(error);
    io.stderr.write(`chat-archiver ${name}: unexpected error: ${detail}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') io.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return 1;
  }
}
