import { formatAge } from '../ops/duration.ts';
import { readQueueOverview, type QueueOverview } from '../ops/job-counts.ts';
import type { Command } from './command.ts';
import { formatTable } from './format-table.ts';
import { withOpsSession } from './ops-session.ts';
import { parseOptions } from './parse-options.ts';

const count = (pick: (q: QueueOverview) => number) => ({ value: (q: QueueOverview) => String(pick(q)), align: 'right' as const });

export const queuesCommand: Command = {
  name: 'queues',
  summary: 'per queue: queued, active, retrying, failed, completed in 24 h, dead letters, oldest waiting job',
  usage: [
    'Usage: chat-archiver queues [--json]',
    '',
    'Counts read fresh from the job table. QUEUED waits for a worker; RETRYING waits for its next attempt (backoff);',
    'FAILED used up its retries and was copied to the dead-letter queue (DEAD LETTERS counts the copies still',
    'waiting there); OLDEST WAITING is the age of the oldest queued or retrying job.',
    'Next steps: chat-archiver jobs list --queue <queue> --state failed; chat-archiver jobs retry <id>.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values } = parseOptions(args, { json: { type: 'boolean' } });
    const overview = await withOpsSession(config(), ({ boss }) => readQueueOverview(boss.getDb()));
    if (values.json) {
      stdout.write(`${JSON.stringify(overview)}\n`);
      return 0;
    }
    stdout.write(
      `${formatTable(overview, [
        { header: 'QUEUE', value: (q) => q.queue },
        { header: 'QUEUED', ...count((q) => q.queued) },
        { header: 'ACTIVE', ...count((q) => q.active) },
        { header: 'RETRYING', ...count((q) => q.retrying) },
        { header: 'FAILED', ...count((q) => q.failed) },
        { header: 'DONE 24H', ...count((q) => q.completedLast24h) },
        { header: 'DEAD LETTERS', ...count((q) => q.deadLetters) },
        { header: 'OLDEST WAITING', value: (q) => (q.oldestWaitingSeconds === null ? '-' : formatAge(q.oldestWaitingSeconds * 1000)), align: 'right' },
      ])}\n`,
    );
    return 0;
  },
};
