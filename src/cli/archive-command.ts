import { archiveConversationJob } from '../jobs/archive-conversation.ts';
import { exportFormats, type ExportFormat } from '../export/export-types.ts';
import { archiveNameFor } from '../ops/archive-name.ts';
import { findThread, selectThreadsToArchive, userHasThreads, type ThreadToArchive } from '../sql/thread-selection.ts';
import { enqueueMany } from '../ops/enqueue-many.ts';
import { archiveConversationsJob } from '../jobs/archive-conversations.ts';
import { archiveDescriptionSchema, archiveNameSchema, archiveTextProblem } from '../jobs/archive-naming.ts';
import { enqueueArchiveGroups, findOrCreateNamedArchive, groupThreads, monthLabel, type EnqueuedGroup } from '../jobs/grouped-archives.ts';
import { followJobs } from '../ops/follow-jobs.ts';
import { childJobsOf } from '../sql/child-jobs.ts';
import { CliError, UsageError, type Command, type CommandContext } from './command.ts';
import { reportAndFollow, type FollowChoice } from './enqueue-and-follow.ts';
import { withOpsSession, type OpsSession } from './ops-session.ts';
import { durationOption, parseOptions, uuidOption } from './parse-options.ts';

export const archiveCommand: Command = {
  name: 'archive',
  summary: 'enqueue archive jobs: one thread, or many (--user / --all-users, --older-than 30d), and follow them',
  usage: [
    'Usage: chat-archiver archive --thread <id> [--name NAME | --into NAME | --archive-id ID] [--description TEXT] [options]',
    '       chat-archiver archive (--user <id> | --all-users) [--older-than AGE] [--include-archived]',
    '                             [--into NAME | --per-user-monthly | --archive-id ID (with --user)] [options]',
    '',
    'Options: --format json|markdown|pdf (default json), --no-wait (print the job ids and exit),',
    '         --timeout AGE (stop following after AGE; the jobs keep running), --json.',
    'AGE is a whole number with a unit: 45s, 90m, 12h, 30d, 2w, 1y.',
    '',
    'Without a grouping option each thread becomes its own archive, owned by the thread\'s user and named after the',
    'thread\'s title ("Thread <date>" when it has none). --into NAME puts each user\'s threads into that user\'s archive',
    'called NAME (created when missing); --per-user-monthly into "Archive YYYY-MM" by the month of the last message;',
    '--archive-id into that existing archive. Names are 1–100 characters, descriptions at most 500 (the app\'s limits).',
    '--older-than keeps threads whose last message (or, without messages, their',
    'creation) is older than AGE. Threads already in an archive are skipped unless --include-archived.',
    'The same request while its job is still queued or running is not enqueued twice.',
    'Follows the jobs to the end with a progress display on stderr; exit 1 if any failed.',
  ].join('\n'),
  async run(args, context) {
    const { values } = parseOptions(args, {
      thread: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      into: { type: 'string' },
      'archive-id': { type: 'string' },
      'per-user-monthly': { type: 'boolean' },
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
    const timeoutMs = values.timeout === undefined ? undefined : durationOption(values.timeout, '--timeout');
    const groupings = [values.into !== undefined, values['archive-id'] !== undefined, values['per-user-monthly'] === true, values.name !== undefined].filter(Boolean).length;
    if (groupings > 1) throw new UsageError('give at most one of --name, --into, --archive-id and --per-user-monthly');
    for (const [flag, schema] of [['--name', archiveNameSchema], ['--into', archiveNameSchema], ['--description', archiveDescriptionSchema]] as const) {
      const value = flag === '--name' ? values.name : flag === '--into' ? values.into : values.description;
      const problem = value === undefined ? undefined : archiveTextProblem(schema, flag, value);
      if (problem) throw new UsageError(problem);
    }
    const archiveId = values['archive-id'] === undefined ? undefined : uuidOption(values['archive-id'], '--archive-id');
    const choice = { wait: values['no-wait'] !== true, ...(timeoutMs !== undefined ? { timeoutMs } : {}), json: values.json === true, label: 'archive' };

    if (values.thread !== undefined) {
      for (const flag of ['older-than', 'include-archived'] as const) {
        if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --user or --all-users, not to --thread`);
      }
      if (values['per-user-monthly']) throw new UsageError('--per-user-monthly applies to --user or --all-users, not to --thread');
      const threadId = uuidOption(values.thread, '--thread');
      return withOpsSession(
        context.config(),
        async (session) => {
          const thread = await findThread(session.db, threadId);
          if (!thread) throw new CliError(`no thread ${threadId}`);
          const into = values.into === undefined ? undefined : await findOrCreateNamedArchive(session.db, thread.userId, values.into);
          const payload = {
            threadId,
            name: values.name ?? values.into ?? archiveNameFor(thread),
            ...(into ?? archiveId ? { archiveId: into ?? archiveId } : {}),
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

    if (values.name !== undefined) throw new UsageError('--name applies to --thread only: in bulk, give --into NAME for one archive per user');
    if (values.description !== undefined) throw new UsageError('--description applies to --thread only');
    const userId = values.user === undefined ? undefined : uuidOption(values.user, '--user');
    if (archiveId && !userId) throw new UsageError('--archive-id in bulk needs --user <id> (the archive\'s owner)');
    const olderThanMs = values['older-than'] === undefined ? undefined : durationOption(values['older-than'], '--older-than', 'an age');
    return withOpsSession(
      context.config(),
      async (session) => {
        if (userId && !(await userHasThreads(session.db, userId))) throw new CliError(`user ${userId} has no conversations (unknown user?)`);
        const threads = await selectThreadsToArchive(session.db, {
          ...(userId ? { userId } : {}),
          ...(olderThanMs !== undefined ? { idleSince: new Date(Date.now() - olderThanMs) } : {}),
          includeArchived: values['include-archived'] === true,
        });
        const grouping = archiveId ? 'archive-id' : values.into !== undefined ? 'into' : values['per-user-monthly'] ? 'monthly' : undefined;
        if (grouping) {
          const groups = groupThreads(threads, (t) => (grouping === 'monthly' ? `Archive ${monthLabel(t.lastActivity)}` : (values.into ?? 'Archive')));
          const parents = await enqueueArchiveGroups(session.db, session.boss, groups, {
            exportFormat: format,
            trigger: 'cli',
            ...(archiveId ? { archiveId } : {}),
          });
          return followGroups(session, context, parents, choice);
        }
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

/**
 * Many-thread archives: waits for each parent to enqueue its thread jobs, then follows those thread jobs like the
 * one-archive-per-thread mode does (same progress display, same exit codes).
 */
async function followGroups(session: OpsSession, context: CommandContext, parents: EnqueuedGroup[], choice: FollowChoice): Promise<number> {
  if (!choice.wait || parents.length === 0) {
    return reportAndFollow(session, context, archiveConversationsJob.queue, parents.map((p) => ({ subject: `${p.threadCount} thread(s) → "${p.archiveName}" (${p.archiveId})`, jobId: p.jobId, deduplicated: p.deduplicated })), choice);
  }
  for (const p of parents) context.stderr.write(`archive "${p.archiveName}" (${p.archiveId}) of user ${p.userId}: ${p.threadCount} thread(s)\n`);
  const fannedOut = await followJobs(session.boss.getDb(), parents.map((p) => ({ queue: archiveConversationsJob.queue, id: p.jobId })), {
    ...(choice.timeoutMs !== undefined ? { timeoutMs: choice.timeoutMs } : {}),
  });
  if (!fannedOut.done || fannedOut.failed || fannedOut.cancelled) {
    context.stderr.write(`the archive request job(s) did not all complete: chat-archiver jobs list --queue ${archiveConversationsJob.queue}\n`);
    return 1;
  }
  const children = await childJobsOf(session.boss.getDb(), archiveConversationJob.queue, parents.map((p) => p.jobId));
  return reportAndFollow(session, context, archiveConversationJob.queue, children.map((c) => ({ subject: `thread ${c.threadId}`, jobId: c.id, deduplicated: false })), choice);
}

function parseFormat(text: string | undefined): ExportFormat {
  if (text === undefined) return 'json';
  if (!(exportFormats as readonly string[]).includes(text)) throw new UsageError(`--format expects ${exportFormats.join('|')}, got "${text}"`);
  return text as ExportFormat;
}

