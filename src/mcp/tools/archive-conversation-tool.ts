import { z } from 'zod';
import { actingAs } from '../../db/acting-user.ts';
import { archiveConversationJob } from '../../jobs/archive-conversation.ts';
import { exportFormats } from '../../export/export-types.ts';
import { userOwnsArchive } from '../../sql/archives.ts';
import { userOwnsThread } from '../../sql/threads.ts';
import { withJobQuota, withQuotaAllowance } from '../job-quota.ts';
import { defineTool, type ToolContext } from '../tool-definition.ts';
import { notFound } from '../tool-error.ts';
import { archiveDescriptionSchema, archiveNameSchema } from '../../jobs/archive-naming.ts';
import { queuedJob, uuidArgument } from '../tool-schemas.ts';
import { archiveInOneRoundTrip } from './archive-conversation-one-round-trip.ts';

const archiveConversationInput = z.strictObject({
  threadId: uuidArgument('a chat thread id'),
  name: archiveNameSchema,
  description: archiveDescriptionSchema.optional(),
  exportFormat: z.enum(exportFormats, { error: `expected one of ${exportFormats.join(', ')}` }).default('json'),
  archiveId: uuidArgument('an archive id').optional().describe('Add the thread to this existing archive of yours'),
});
type ArchiveConversationInput = z.output<typeof archiveConversationInput>;

export const archiveConversationTool = defineTool({
  name: 'archive_conversation',
  title: 'Archive a conversation',
  description:
    'Queue the archiving of one of your chat threads: the worker counts tokens, summarises and analyses it, renders ' +
    'an export (json, markdown or pdf) and stores it in a new archive, or in `archiveId` when given. Answers at once ' +
    'with {jobId, status: "queued"}; poll get_job with the jobId until it is completed, then read the archive with ' +
    'get_archive or the archive://{archiveId} resource. The same request while one is pending returns the same job.',
  input: archiveConversationInput,
  output: z.object(queuedJob),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  // Acting user, ownership and quota check, the job and its audit row: one transaction, one round trip, one commit.
  // A duplicate, or a quota that looks reached, takes the careful path: the same steps one by one.
  async run(input, context) {
    const { caller, deps, okAuditRow } = context;
    const payload = archiveConversationJob.payload.parse({ ...input, requestedBy: caller.userId });
    const result = await withQuotaAllowance(context, archiveConversationJob, (openLimit) =>
      archiveInOneRoundTrip({
        pool: deps.pipelinedPool,
        boss: deps.boss,
        job: archiveConversationJob,
        payload,
        openLimit,
        auditRow: (jobId) => okAuditRow.row({ jobId }),
      }),
    );
    if (result && 'notFound' in result) throw result.notFound === 'thread' ? notFound('thread', input.threadId) : notFound('archive', input.archiveId!);
    if (result && 'queued' in result) {
      okAuditRow.written({ jobId: result.queued.jobId });
      return { ...result.queued, status: 'queued' as const };
    }
    return queueCarefully(input, context);
  },
});

async function queueCarefully(input: ArchiveConversationInput, { caller, deps, auditOkIn }: ToolContext) {
  return withJobQuota({ caller, deps }, archiveConversationJob, (enqueueWithin) =>
    actingAs(deps.db, { userId: caller.userId }, async (trx) => {
      if (!(await userOwnsThread(trx, caller.userId, input.threadId))) throw notFound('thread', input.threadId);
      if (input.archiveId && !(await userOwnsArchive(trx, caller.userId, input.archiveId))) throw notFound('archive', input.archiveId);
      const { jobId, deduplicated } = await enqueueWithin(trx, { ...input, requestedBy: caller.userId });
      await auditOkIn(trx, { jobId });
      return { jobId, status: 'queued' as const, deduplicated };
    }),
  );
}
