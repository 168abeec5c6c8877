import { enqueue } from '../jobs/registry.ts';
import { searchIndexJob } from '../jobs/search-index.ts';
import { formatTimestamp } from '../ops/describe-job.ts';
import { emptyMessageIndex, readMessageIndexStatus } from '../search/message-index-status.ts';
import { UsageError, type Command } from './command.ts';
import { withOpsSession } from './ops-session.ts';
import { parseOptions } from './parse-options.ts';
import { dispatch, noArguments, type Subcommand } from './subcommands.ts';

export const searchIndexCommand: Command = {
  name: 'search-index',
  summary: 'the conversation search index: status (progress, watermark, last pass) or rebuild',
  usage: [
    'Usage: chat-archiver search-index status [--json]',
    '       chat-archiver search-index rebuild',
    '',
    'The worker keeps an index of every message for search_conversations: a pass on SEARCH_INDEX_CRON (every minute',
    'by default) indexes messages created since its watermark, in batches of SEARCH_INDEX_BATCH_SIZE; the first pass',
    'backfills the whole history and may be interrupted at any point (it resumes from the watermark).',
    'status: indexed messages against the app\'s, messages waiting for the next pass, backfill state, the last pass.',
    'rebuild: empties the index and queues a pass that backfills it again (searches find less until it is done).',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true);
    const subcommands: Record<string, Subcommand> = {
      status: async (rest) => {
        noArguments(rest);
        const status = await withOpsSession(config(), ({ db }) => readMessageIndexStatus(db));
        if (values.json) {
          stdout.write(`${JSON.stringify(status)}\n`);
          return 0;
        }
        const percent = status.sourceMessages === 0 ? 100 : Math.floor((status.messages / status.sourceMessages) * 1000) / 10;
        stdout.write(
          [
            `indexed messages  ${status.messages} of ${status.sourceMessages} (${percent}%), ${status.threads} threads, ${status.words} distinct words`,
            `waiting           ${status.pending} message(s) created after the watermark`,
            `watermark         ${status.watermark ? `${status.watermark.at} UTC (${status.watermark.id})` : 'none yet'}`,
            `backfill          ${status.backfill}${status.backfillCompletedAt ? ` at ${formatTimestamp(status.backfillCompletedAt)}` : status.backfillStartedAt ? ` since ${formatTimestamp(status.backfillStartedAt)}` : ''}`,
            `last pass         ${status.lastPassAt ? `${formatTimestamp(status.lastPassAt)} ${JSON.stringify(status.lastPass)}` : 'never'}`,
            `index size        ${(status.indexBytes / 1e6).toFixed(1)} MB`,
          ].join('\n') + '\n',
        );
        return 0;
      },
      rebuild: async (rest) => {
        noArguments(rest);
        if (values.json) throw new UsageError('--json applies to status only');
        const { jobId, deduplicated } = await withOpsSession(
          config(),
          async ({ db, boss }) => {
            await emptyMessageIndex(db);
            return enqueue(boss, searchIndexJob, { trigger: 'rebuild' });
          },
          { ensureQueues: true },
        );
        stdout.write(
          `search index emptied; ${deduplicated ? 'the pass already queued or running' : 'a pass was queued that'} backfills it again ` +
            `(job ${jobId}; follow it with \`chat-archiver search-index status\`)\n`,
        );
        return 0;
      },
    };
    return dispatch(subcommands, positionals);
  },
};
