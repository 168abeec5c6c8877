import { z } from 'zod';
import { actingAs } from '../../db/acting-user.ts';
import { archiveConversationJob, exportFormats } from '../../jobs/archive-conversation.ts';
import { enqueueWithinQuota } from '../job-quota.ts';
import { defineTool } from '../tool-definition.ts';
import { notFound } from '../tool-error.ts';
import { isMultiLineText, isSingleLineText, isWellFormedText } from '../text-checks.ts';
import { queuedJob, uuidArgument } from '../tool-schemas.ts';

export const archiveConversationTool = defineTool({
  name: 'archive_conversation',
  title: 'Archive a conversation',
  description:
    'Queue the archiving of one of your chat threads: the worker counts tokens, summarises and analyses it, renders ' +
    'an export (json, markdown or pdf) and stores it in a new archive, or in `archiveId` when given. Answers at once ' +
    'with {jobId, status: "queued"}; poll get_job with the jobId until it is completed, then read the archive with ' +
    'get_archive or the archive://{archiveId} resource. The same request while one is pending returns the same job.',
  input: z.strictObject({
    threadId: uuidArgument('a chat thread id'),
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .refine(isSingleLineText, 'must not contain control characters')
      .refine(isWellFormedText, 'must be valid Unicode text')
      .describe('Name of the archive (1–255 characters, one line)'),
    description: z
      .string()
      .trim()
      .max(2000, 'must be at most 2000 characters')
      .refine(isMultiLineText, 'must not contain control characters other than line breaks and tabs')
      .refine(isWellFormedText, 'must be valid Unicode text')
      .optional(),
    exportFormat: z.enum(exportFormats, { error: `expected one of ${exportFormats.join(', ')}` }).default('json'),
    archiveId: uuidArgument('an archive id').optional().describe('Add the thread to this existing archive of yours'),
  }),
  output: z.object(queuedJob),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { caller, deps }) {
    await actingAs(deps.db, { userId: caller.userId }, async (trx) => {
      const thread = await trx
        .selectFrom('chat_thread')
        .select('id')
        .where('id', '=', input.threadId)
        .where('user_id', '=', caller.userId)
        .executeTakeFirst();
      if (!thread) throw notFound('thread', input.threadId);
      if (input.archiveId) {
        const archive = await trx
          .selectFrom('archive')
          .select('id')
          .where('id', '=', input.archiveId)
          .where('user_id', '=', caller.userId)
          .executeTakeFirst();
        if (!archive) throw notFound('archive', input.archiveId);
      }
    });
    const { jobId, deduplicated } = await enqueueWithinQuota({ caller, deps }, archiveConversationJob, { ...input, requestedBy: caller.userId });
    return { jobId, status: 'queued' as const, deduplicated };
  },
});
