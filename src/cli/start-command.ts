import { once } from 'node:events';
import { openDatabaseTarget } from '../db/database-target.ts';
import { runMigrations } from '../db/prepare-database.ts';
import { ensureDemoDatabase } from '../demo/ensure-demo-database.ts';
import { createLogger, logDestination } from '../logger.ts';
import { createMetrics } from '../ops/metrics.ts';
import type { Command } from './command.ts';
import { parseOptions } from './parse-options.ts';
import { runningServices } from './running-services.ts';

export const startCommand: Command = {
  name: 'start',
  summary: 'all in one process: database (embedded unless DATABASE_URL), migrations, demo data, worker and MCP server',
  usage: [
    'Usage: chat-archiver start',
    '',
    'Without DATABASE_URL, starts the embedded PostgreSQL (data in .data/postgres, port EMBEDDED_PG_PORT),',
    'creates the better-chatbot schema with demo data when the database is empty, applies migrations, then runs',
    'the worker and the MCP server (Streamable HTTP on HOST:PORT) in this process. Ctrl-C stops everything.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    parseOptions(args, {});
    const cfg = config();
    const log = createLogger(cfg.logLevel, logDestination(cfg.logFormat));
    const metrics = createMetrics();
    const started = Date.now();
    // Listen before anything starts: a Ctrl-C during start-up must stop cleanly too, never kill the process.
    const stopRequested = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    const target = await openDatabaseTarget(cfg, { mode: 'own' });
    const stopping: Array<() => Promise<void>> = [() => target.close()];
    const stopAll = async () => {
      for (const stop of stopping.reverse()) await stop().catch((error: unknown) => log.error({ err: error }, 'stop failed'));
    };
    try {
      const { seeded } = await ensureDemoDatabase(target, log);
      await runMigrations(target, log);
      stdout.write(`database: ${target.description}${seeded ? ' — demo data written' : ''}\n`);
      for (const service of runningServices) {
        const handle = await service.start({ config: cfg, target, log, metrics });
        stopping.push(handle.stop);
        stdout.write(`${service.name}: ${handle.description}\n`);
      }
      stdout.write(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s — press Ctrl-C to stop\n`);
    } catch (error) {
      await stopAll();
      throw error;
    }
    await stopRequested;
    stdout.write('stopping…\n');
    await stopAll();
    stdout.write('stopped\n');
    return 0;
  },
};
