import { z } from 'zod';
import { analyzePatternsJob, MAX_PATTERN_RANGE_DAYS } from '../jobs/analyze-patterns.ts';
import { userHasThreads } from '../sql/thread-selection.ts';
import { enqueueMany } from '../ops/enqueue-many.ts';
import { CliError, UsageError, type Command } from './command.ts';
import { reportAndFollow } from './enqueue-and-follow.ts';
import { withOpsSession } from './ops-session.ts';
import { durationOption, parseOptions, uuidOption } from './parse-options.ts';

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'enqueue a pattern analysis over a date range (all users or --user), and follow it',
  usage: [
    'Usage: chat-archiver analyze --from DATE --to DATE [--user <id>] [--no-wait] [--timeout AGE] [--json]',
    '',
    'DATE is 2026-01-01 (a whole day, UTC) or a full timestamp such as 2026-01-01T08:00:00Z. A bare --to date',
    `includes that day. The range may span at most ${MAX_PATTERN_RANGE_DAYS} days. Without --user, every user's conversations are`,
    'analysed. Follows the job to the end (progress on stderr) unless --no-wait; exit 1 if it failed.',
  ].join('\n'),
  async run(args, context) {
    const { values } = parseOptions(args, {
      from: { type: 'string' },
      to: { type: 'string' },
      user: { type: 'string' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.from === undefined || values.to === undefined) throw new UsageError('--from and --to are required');
    const start = parseDate(values.from, '--from', false);
    const end = parseDate(values.to, '--to', true);
    if (values.user !== undefined) uuidOption(values.user, '--user');
    const timeoutMs = values.timeout === undefined ? undefined : durationOption(values.timeout, '--timeout');
    const parsed = analyzePatternsJob.payload.safeParse({
      range: { start: start.toISOString(), end: end.toISOString() },
      ...(values.user ? { userId: values.user } : {}),
      trigger: 'cli',
    });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
    const payload = parsed.data;

    return withOpsSession(
      context.config(),
      async (session) => {
        if (payload.userId && !(await userHasThreads(session.db, payload.userId))) {
          throw new CliError(`user ${payload.userId} has no conversations (unknown user?)`);
        }
        const [result] = await enqueueMany(session.boss, analyzePatternsJob, [payload]);
        const subject = `${payload.range.start} … ${payload.range.end}${payload.userId ? `, user ${payload.userId}` : ', all users'}`;
        return reportAndFollow(session, context, analyzePatternsJob.queue, [{ subject, ...result! }], {
          wait: values['no-wait'] !== true,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          json: values.json === true,
          label: 'analysis',
        });
      },
      { ensureQueues: true },
    );
  },
};

const DAY_MS = 86_400_000;

function parseDate(text: string, flag: string, endOfDay: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = new Date(`${text}T00:00:00Z`);
    if (!Number.isNaN(day.getTime()) && day.toISOString().startsWith(text)) return endOfDay ? new Date(day.getTime() + DAY_MS) : day;
  } else if (z.iso.datetime({ offset: true }).safeParse(text).success) {
    return new Date(text);
  }
  throw new UsageError(`${flag} expects a date such as 2026-01-31 or 2026-01-31T08:00:00Z, got "${text}"`);
}
