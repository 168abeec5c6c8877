import type { Kysely } from 'kysely';
import { createDb } from '../db/connect.ts';
import { openDatabaseTarget } from '../db/database-target.ts';
import { DEFAULT_DEMO_OPTIONS, ensureHostSchema, hasHostUsers, seedDemoData } from '../demo/seed-demo.ts';
import { CliError, UsageError, type Command } from './command.ts';
import { parseOptions, positiveInteger } from './parse-options.ts';
import { createProgressLine } from './progress-line.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'demo seed: create the host app schema if missing and write deterministic demo conversations',
  usage: [
    'Usage: chat-archiver demo seed [--users N] [--threads N] [--messages-per-thread N] [--seed N] [--days N] [--until DATE]',
    '',
    `Defaults: --users ${DEFAULT_DEMO_OPTIONS.users} --threads ${DEFAULT_DEMO_OPTIONS.threadsPerUser} (per user) ` +
      `--messages-per-thread ${DEFAULT_DEMO_OPTIONS.messagesPerThread} --seed ${DEFAULT_DEMO_OPTIONS.seed} --days ${DEFAULT_DEMO_OPTIONS.days} --until today (UTC).`,
    'Writes into an empty database only (no users yet). The same options always give the same rows.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values, positionals } = parseOptions(
      args,
      {
        users: { type: 'string' },
        threads: { type: 'string' },
        'messages-per-thread': { type: 'string' },
        seed: { type: 'string' },
        days: { type: 'string' },
        until: { type: 'string' },
      },
      true,
    );
    if (positionals.length !== 1 || positionals[0] !== 'seed') throw new UsageError('expected the subcommand "seed"');
    let until = new Date();
    until.setUTCHours(0, 0, 0, 0);
    if (values.until !== undefined) {
      until = new Date(values.until);
      if (Number.isNaN(until.getTime())) throw new UsageError(`--until expects a date such as 2026-01-31, got "${values.until}"`);
    }
    const options = {
      users: positiveInteger(values.users, '--users', DEFAULT_DEMO_OPTIONS.users),
      threadsPerUser: positiveInteger(values.threads, '--threads', DEFAULT_DEMO_OPTIONS.threadsPerUser),
      messagesPerThread: positiveInteger(values['messages-per-thread'], '--messages-per-thread', DEFAULT_DEMO_OPTIONS.messagesPerThread),
      seed: positiveInteger(values.seed, '--seed', DEFAULT_DEMO_OPTIONS.seed),
      days: positiveInteger(values.days, '--days', DEFAULT_DEMO_OPTIONS.days),
      until,
    };
    const target = await openDatabaseTarget(config(), { mode: 'attach' });
    const db = createDb(target.ownerUrl, { max: 2, applicationName: 'chat-archiver:demo' }) as Kysely<unknown>;
    try {
      await ensureHostSchema(db);
      if (await hasHostUsers(db)) throw new CliError('the database already has users: demo data is only written into an empty database');
      const total = options.users * options.threadsPerUser * options.messagesPerThread;
      const progress = createProgressLine(stdout);
      const result = await seedDemoData(db, options, ({ messages }) => {
        if (total >= 100_000) progress.show(`${messages.toLocaleString('en')} / ${total.toLocaleString('en')} messages`, { final: messages === total });
      });
      progress.end();
      stdout.write(
        `demo data: ${result.users} users, ${result.threads} threads, ${result.messages} messages in ${(result.durationMs / 1000).toFixed(1)} s (${target.description})\n`,
      );
      return 0;
    } finally {
      await db.destroy();
      await target.close();
    }
  },
};
