import { EXPORT_WRITER_QUEUES, collectExportGarbage } from '../jobs/export-garbage.ts';
import { openExportStore } from '../export/open-store.ts';
import { UsageError, type Command } from './command.ts';
import { withOpsSession } from './ops-session.ts';
import { parseOptions } from './parse-options.ts';

export const exportsCommand: Command = {
  name: 'exports',
  summary: 'export store upkeep: `exports gc [--dry-run]` deletes export objects no archive names any more',
  usage: [
    'Usage: chat-archiver exports gc [--dry-run]',
    '',
    'Runs the export garbage collection now (the worker also runs it on EXPORT_GC_CRON, hourly by default): deletes',
    'objects of the export store (EXPORT_STORE) that no archive row names any more: archives the app deleted,',
    'replaced exports, uploads of jobs that never committed, and with EXPORT_RETENTION exports older than that',
    '(their rows stay, storage_location becomes null). Objects a row names, or that a queued or running job may',
    'still commit, are never deleted. Prints one line per deleted object; --dry-run prints what it would delete',
    'and changes nothing.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values, positionals } = parseOptions(args, { 'dry-run': { type: 'boolean' } }, true);
    if (positionals.length !== 1 || positionals[0] !== 'gc') throw new UsageError('expected the subcommand gc');
    const cfg = config();
    const dryRun = values['dry-run'] === true;
    const store = await openExportStore(cfg);
    await store.check();
    const report = await withOpsSession(cfg, ({ boss, db }) =>
      collectExportGarbage(
        { db, boss, store, exportDir: cfg.exportDir, writerQueues: EXPORT_WRITER_QUEUES },
        { dryRun, ...(cfg.exportStore.retentionMs !== undefined ? { retentionMs: cfg.exportStore.retentionMs } : {}) },
      ),
    );
    const verb = dryRun ? 'would delete' : 'deleted';
    for (const key of report.deleted) stdout.write(`${verb} ${key}\n`);
    stdout.write(
      `${store.description}: ${verb} ${report.deleted.length} object(s)` +
        `${report.expired ? ` (${report.expired} past EXPORT_RETENTION)` : ''}, kept ${report.kept} an unfinished job may still commit` +
        `${dryRun ? '' : `, removed ${report.staleUploads} unfinished upload(s)`}\n`,
    );
    return 0;
  },
};
