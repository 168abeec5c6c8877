import type { Kysely } from 'kysely';
import { createDb } from '../db/connect.ts';
import { openDatabaseTarget } from '../db/database-target.ts';
import { migrationStatus } from '../db/migrate.ts';
import { runMigrations } from '../db/prepare-database.ts';
import { createLogger, logDestination } from '../logger.ts';
import { UsageError, type Command } from './command.ts';
import { parseOptions } from './parse-options.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply migrations, install the job queue schema, create the service role (status: list migrations)',
  usage: [
    'Usage: chat-archiver migrate [status] [--json]',
    '',
    'Without arguments: applies pending migrations as the owner (DATABASE_URL), installs pg-boss\'s schema, and',
    'creates or updates the restricted service role (MCP_DB_USER, password MCP_DB_PASSWORD) with its grants.',
    'Idempotent. `status` lists every migration and when it was applied.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true);
    const sub = positionals[0];
    if (positionals.length > 1 || (sub !== undefined && sub !== 'status')) {
      throw new UsageError(`unknown argument "${positionals.join(' ')}"`);
    }
    const cfg = config();
    const log = createLogger(cfg.logLevel, logDestination(cfg.logFormat));
    const target = await openDatabaseTarget(cfg, { mode: 'attach' });
    try {
      if (sub === 'status') {
        const db = createDb(target.ownerUrl, { max: 1 }) as Kysely<unknown>;
        try {
          const status = await migrationStatus(db);
          if (values.json) stdout.write(`${JSON.stringify(status)}\n`);
          else for (const m of status) stdout.write(`${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}\n`);
        } finally {
          await db.destroy();
        }
        return 0;
      }
      const { applied } = await runMigrations(target, log);
      if (values.json) stdout.write(`${JSON.stringify({ applied })}\n`);
      else stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'already up to date\n');
      return 0;
    } finally {
      await target.close();
    }
  },
};
