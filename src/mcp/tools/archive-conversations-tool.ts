import { z } from 'zod';
import { actingAs } from '../../db/acting-user.ts';
import { exportFormats } from '../../export/export-types.ts';
import { archiveConversationsJob, MAX_THREADS_PER_REQUEST } from '../../jobs/archive-conversations.ts';
import { archiveDescriptionSchema, archiveNameSchema } from '../../jobs/archive-naming.ts';
import { DURATION_EXAMPLES, parseDuration } from '../../ops/duration.ts';
import { archiveOfUser } from '../../sql/archives.ts';
import { ownedThreadIds, threadsMatching, type ConversationFilter } from '../../sql/thread-selection.ts';
import { enqueueWithinQuota } from '../job-quota.ts';
import { defineTool } from '../tool-definition.ts';
import { notFound, ToolError } from '../tool-error.ts';
import { isoDateTime, queuedJob, uuidArgument } from '../tool-schemas.ts';
import { isSingleLineText, isWellFormedText } from '../text-checks.ts';

const filterSchema = z
  .strictObject({
    olderThan: z
      .string()
      .refine((v) => parseDuration(v) !== undefined, `expected an age (${DURATION_EXAMPLES})`)
      .optional()
      .describe('Threads whose last message is older than this age (e.g. 90d)'),
    before: isoDateTime.optional().describe('Threads whose last message is before this instant'),
    after: isoDateTime.optional().describe('Threads whose last message is at or after this instant'),
    query: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .refine(isSingleLineText, 'must not contain control characters')
      .refine(isWellFormedText, 'must be valid Unicode text')
      .optional()
      .describe('Words that must all appear in the thread title (case-insensitive)'),
  })
  .refine((f) => Object.keys(f).length > 0, 'give at least one of olderThan, before, after or query')
  .refine((f) => !(f.before && f.after) || new Date(f.after) < new Date(f.before), 'after must be before before');

export const archiveConversationsTool = defineTool({
  name: 'archive_conversations',
  title: 'Archive many conversations into one archive',
  description:
    `Queue the archiving of up to ${MAX_THREADS_PER_REQUEST} of your chat threads into ONE archive (a new one named ` +
    '`name`, or `archiveId`): give exactly one of `threadIds` or `filter` (olderThan such as "90d", before/after ' +
    'ISO dates on the last message, query words in the title). Each thread becomes one item and runs as its own ' +
    'job; answers at once with {jobId}. Poll get_job: `progress` counts threads archived, failed and pending, and ' +
    '`result.archiveId` names the archive. A thread already in that archive is not archived twice.',
  input: z
    .strictObject({
      threadIds: z
        .array(uuidArgument('a chat thread id'))
        .min(1, 'must list at least one thread')
        .max(MAX_THREADS_PER_REQUEST, `must list at most ${MAX_THREADS_PER_REQUEST} threads`)
        .optional(),
      filter: filterSchema.optional(),
      name: archiveNameSchema,
      description: archiveDescriptionSchema.optional(),
      exportFormat: z.enum(exportFormats, { error: `expected one of ${exportFormats.join(', ')}` }).default('json'),
      archiveId: uuidArgument('an archive id').optional().describe('Add the threads to this existing archive of yours'),
    })
    .refine((i) => (i.threadIds === undefined) !== (i.filter === undefined), 'give exactly one of threadIds or filter'),
  output: z.object({
    ...queuedJob,
    threadCount: z.number().int().describe('Threads the archive will hold items for'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { caller, deps }) {
    const threadIds = await actingAs(deps.db, { userId: caller.userId }, async (trx) => {
      if (input.archiveId && !(await archiveOfUser(trx, caller.userId, input.archiveId))) throw notFound('archive', input.archiveId);
      if (input.threadIds) {
        const unique = [...new Set(input.threadIds)];
        const owned = await ownedThreadIds(trx, caller.userId, unique);
        const missing = unique.filter((id) => !owned.has(id));
        if (missing.length > 0) {
          throw new ToolError('not_found', `thread${missing.length > 1 ? 's' : ''} not found: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
        }
        return unique;
      }
      const matched = await threadsMatching(trx, caller.userId, conversationFilter(input.filter!), MAX_THREADS_PER_REQUEST);
      if (matched.length === 0) throw new ToolError('not_found', 'no thread of yours matches the filter');
      if (matched.length > MAX_THREADS_PER_REQUEST) {
        throw new ToolError('invalid_input', `filter: matches more than ${MAX_THREADS_PER_REQUEST} threads; narrow it (before/after, query) and archive in several requests`);
      }
      return matched;
    });
    const { threadIds: _given, filter: _filter, ...rest } = input;
    const { jobId, deduplicated } = await enqueueWithinQuota({ caller, deps }, archiveConversationsJob, { ...rest, threadIds, requestedBy: caller.userId, trigger: 'tool' });
    return { jobId, status: 'queued' as const, deduplicated, threadCount: threadIds.length };
  },
});

function conversationFilter(filter: z.output<typeof filterSchema>): ConversationFilter {
  const olderThanMs = filter.olderThan === undefined ? undefined : parseDuration(filter.olderThan)!;
  const before = [filter.before ? new Date(filter.before) : undefined, olderThanMs !== undefined ? new Date(Date.now() - olderThanMs) : undefined]
    .filter((d): d is Date => d !== undefined)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  return {
    ...(before ? { before } : {}),
    ...(filter.after ? { after: new Date(filter.after) } : {}),
    ...(filter.query ? { query: filter.query } : {}),
  };
}
