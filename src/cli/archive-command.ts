import { z } from 'zod';
import { archiveConversationJob, exportFormats, type ExportFormat } from '../jobs/archive-conversation.ts';
import { archiveNameFor } from '../ops/archive-name.ts';
import { findThread, selectThreadsToArchive, userHasThreads, type ThreadToArchive } from '../sql/thread-selection.ts';
import { parseDuration } from '../ops/duration.ts';
import { enqueueMany } from '../ops/enqueue-many.ts';
import { CliError, UsageError, type Command } from './command.ts';
import { reportAndFollow } from './enqueue-and-follow.ts';
import { withOpsSession } from './ops-session.ts';
import { parseOptions } from './parse-options.ts';

export const archiveCommand: Command = {
  name: 'archive',
  summary: 'enqueue archive jobs: one thread, or many (--user / --all-users, --older-than 30d), and follow them',
  usage: [
    'Usage: chat-archiver archive --thread <id> [--name NAME] [--description TEXT] [options]',
    '       chat-archiver archive (--user <id> | --all-users) [--older-than AGE] [--include-archived] [options]',
    '',
    'Options: --format json|markdown|pdf (default json), --no-wait (print the job ids and exit),',
    '         --timeout AGE (stop following after AGE; the jobs keep running), --json.',
    'AGE is a whole number with a unit: 45s, 90m, 12h, 30d, 2w.',
    '',
    'Each thread becomes its own archive, owned by the thread\'s user and named after the thread\'s title',
    '("Thread <date>" when it has none). --older-than keeps threads whose last message (or, without messages, their',
    'creation) is older than AGE. Threads already in an archive are skipped unless --include-archived.',
    'The same request while its job is still queued or running is not enqueued twice.',
    'Follows the jobs to the end with a progress display on stderr; exit 1 if any failed.',
  ].join('\n'),
  async run(args, context) {
    const { values } = parseOptions(args, {
      thread: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      user: { type: 'string' },
      'all-users': { type: 'boolean' },
      'older-than': { type: 'string' },
      'include-archived': { type: 'boolean' },
      format: { type: 'string' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    });
    const modes = [values.thread !== undefined, values.user !== undefined, values['all-users'] === true].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('give exactly one of --thread <id>, --user <id> or --all-users');
    const format = parseFormat(values.format);
    const timeoutMs = values.timeout === undefined ? undefined : age(values.timeout, '--timeout');
    const choice = { wait: values['no-wait'] !== true, ...(timeoutMs !== undefined ? { timeoutMs } : {}), json: values.json === true, label: 'archive' };

    if (values.thread !== undefined) {
      for (const flag of ['older-than', 'include-archived'] as const) {
        if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --user or --all-users, not to --thread`);
      }
      const threadId = uuid(values.thread, '--thread');
      return withOpsSession(
        context.config(),
        async (session) => {
          const thread = await findThread(session.db, threadId);
          if (!thread) throw new CliError(`no thread ${threadId}`);
          const payload = {
            threadId,
            name: values.name ?? archiveNameFor(thread),
            ...(values.description ? { description: values.description } : {}),
            exportFormat: format,
            requestedBy: thread.userId,
          };
          const parsed = archiveConversationJob.payload.safeParse(payload);
          if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; '));
          const [result] = await enqueueMany(session.boss, archiveConversationJob, [parsed.data]);
          return reportAndFollow(session, context, archiveConversationJob.queue, [{ subject: `thread ${threadId}`, ...result! }], choice);
        },
        { ensureQueues: true },
      );
    }

    for (const flag of ['name', 'description'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --thread only: in bulk, each archive is named after its thread`);
    }
    const userId = values.user === undefined ? undefined : uuid(values.user, '--user');
    const olderThanMs = values['older-than'] === undefined ? undefined : age(values['older-than'], '--older-than');
    return withOpsSession(
      context.config(),
      async (session) => {
        if (userId && !(await userHasThreads(session.db, userId))) throw new CliError(`user ${userId} has no conversations (unknown user?)`);
        const threads = await selectThreadsToArchive(session.db, {
          ...(userId ? { userId } : {}),
          ...(olderThanMs !== undefined ? { idleSince: new Date(Date.now() - olderThanMs) } : {}),
          includeArchived: values['include-archived'] === true,
        });
        const payloads = threads.map((t: ThreadToArchive) => ({ threadId: t.threadId, name: archiveNameFor(t), exportFormat: format, requestedBy: t.userId }));
        const results = await enqueueMany(session.boss, archiveConversationJob, payloads);
        return reportAndFollow(
          session,
          context,
          archiveConversationJob.queue,
          results.map((r, i) => ({ subject: `thread ${threads[i]!.threadId}`, ...r })),
          choice,
        );
      },
      { ensureQueues: true },
    );
  },
};

function parseFormat(text: string | undefined): ExportFormat {
  if (text === undefined) return 'json';
  if (!(exportFormats as readonly string[]).includes(text)) throw new UsageError(`--format expects ${exportFormats.join('|')}, got "${text}"`);
  return text as ExportFormat;
}

function uuid(text: string, flag: string): string {
  if (!z.uuid().safeParse(text).success) throw new UsageError(`${flag} expects an id (uuid), got "${text}"`);
  return text;
}

function age(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} expects an age such as 30d, 12h, 90m or 2w, got "${text}"`);
  return ms;
}
