import { z } from 'zod';
import { analyzePatternsJob } from '../../jobs/analyze-patterns.ts';
import { archiveConversationJob } from '../../jobs/archive-conversation.ts';
import { archiveConversationsJob, archiveConversationsOutput, archiveConversationsPayload } from '../../jobs/archive-conversations.ts';
import { manyThreadProgress, type ManyThreadProgress } from '../../sql/job-progress.ts';
import { findJobById } from '../../jobs/job-lookup.ts';
import { patternAnalysisOfJob } from '../../sql/pattern-history.ts';
import { exportAccess } from '../export-access.ts';
import { exportResourceLinks } from '../export-resource-link.ts';
import { defineTool } from '../tool-definition.ts';
import { notFound } from '../tool-error.ts';
import { uuidArgument } from '../tool-schemas.ts';
import type { McpDependencies } from '../mcp-dependencies.ts';

const JOB_STATES = ['queued', 'active', 'retrying', 'completed', 'failed', 'cancelled'] as const;
type JobState = (typeof JOB_STATES)[number];

const STATE_OF: Record<string, JobState> = {
  created: 'queued',
  retry: 'retrying',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

const JOB_KINDS = ['archive_conversation', 'archive_conversations', 'analyze_conversation_patterns'] as const;
type JobKind = (typeof JOB_KINDS)[number];
const KIND_OF: Record<string, JobKind> = {
  [archiveConversationJob.queue]: 'archive_conversation',
  [archiveConversationsJob.queue]: 'archive_conversations',
  [analyzePatternsJob.queue]: 'analyze_conversation_patterns',
};

const ERROR_MAX_CHARS = 300;

// Job rows are read as unknown: only who asked is needed from the payload.
const jobOwner = z.object({ requestedBy: z.string().optional(), userId: z.string().optional(), exportFormat: z.string().optional() });
const archiveResult = z.object({ archiveId: z.string(), storageLocation: z.string(), fileSize: z.number() }).loose();
// The worker stores `{error: {code, message, retryable}}`; pg-boss itself stores a serialised Error.
const failureOutput = z.union([
  z.object({ error: z.object({ message: z.string(), code: z.string().optional() }) }).transform((o) => o.error),
  z.object({ message: z.string() }).transform((o) => ({ message: o.message, code: undefined })),
]);
const resultOutput = z.record(z.string(), z.unknown());
const linkableResult = z.object({ archiveId: z.string(), exportFormat: z.string(), storageLocation: z.string(), fileSize: z.number() });

export const getJobTool = defineTool({
  name: 'get_job',
  title: 'Get a job',
  description:
    'State of a job you queued with archive_conversation, archive_conversations or analyze_conversation_patterns: queued, active, retrying ' +
    '(a transient failure; it runs again by itself), completed (see `result`: the archive id, tokens, the export\'s ' +
    'location in the export store and `downloadUrl`, a signed link a person can open until `downloadExpiresAt`, ' +
    'or the analysis under `result.analysis`; for archive_conversations `progress` counts the threads ' +
    'archived, failed and pending, and the job stays active until none is pending), failed (see `error`) or cancelled. Poll every few seconds until completed, failed or cancelled.',
  input: z.strictObject({ jobId: uuidArgument('a job id') }),
  output: z.object({
    jobId: z.string(),
    kind: z.enum(JOB_KINDS),
    state: z.enum(JOB_STATES),
    done: z.boolean().describe('True once the state is completed, failed or cancelled'),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    attempts: z.object({ retryCount: z.number().int(), retryLimit: z.number().int() }),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable().describe('Why the job failed (or why its last attempt failed, while retrying)'),
    errorCode: z.string().nullable().describe('A stable reason such as thread_not_found, when the worker gave one'),
    progress: z
      .object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int(), pending: z.number().int(), failedThreadIds: z.array(z.string()) })
      .optional()
      .describe('archive_conversations only: threads archived, failed for good, and still to go; done once none is pending'),
  }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  resourceLinks: (output) => {
    const archived = linkableResult.safeParse(output.result);
    return archived.success ? exportResourceLinks({ ...archived.data, exportLocation: archived.data.storageLocation }) : [];
  },
  async run({ jobId }, { caller, deps }) {
    const found = await findJobById(deps.boss, jobId, [archiveConversationJob, archiveConversationsJob, analyzePatternsJob]);
    const owner = found ? jobOwner.safeParse(found.job.data) : undefined;
    if (!found || !owner?.success || (owner.data.requestedBy !== caller.userId && !caller.admin)) throw notFound('job', jobId);
    const { job, queue } = found;
    let state = STATE_OF[job.state] ?? 'queued';
    const failure = state === 'failed' || state === 'retrying' ? failureOutput.safeParse(job.output) : undefined;
    const output = state === 'completed' ? resultOutput.safeParse(job.output) : undefined;
    let result = output?.success ? output.data : null;
    if (result && queue === archiveConversationJob.queue) {
      const archived = archiveResult.safeParse(result);
      if (archived.success) {
        // Agents see where the export is inside the store and a link a person can open, never a server path.
        const { storageLocation, ...rest } = archived.data;
        const access = exportAccess(deps, archived.data.archiveId, storageLocation);
        result = { ...rest, exportFormat: owner.data.exportFormat ?? null, storageLocation: access.exportLocation, downloadUrl: access.downloadUrl, downloadExpiresAt: access.downloadExpiresAt };
      }
    }
    if (result && queue === analyzePatternsJob.queue) {
      const analysis = await patternAnalysisOfJob(deps.db, job.id, owner.data.userId);
      if (analysis) result = { ...result, analysis };
    }
    let progress: ManyThreadProgress | undefined;
    if (queue === archiveConversationsJob.queue) {
      ({ state, progress } = await withThreadProgress(deps.db, job.id, state, job.data, result));
    }
    return {
      jobId: job.id,
      kind: KIND_OF[queue] ?? 'archive_conversation',
      state,
      done: state === 'completed' || state === 'failed' || state === 'cancelled',
      createdAt: iso(job.createdOn)!,
      startedAt: state === 'queued' ? null : iso(job.startedOn),
      completedAt: progress && state === 'active' ? null : iso(job.completedOn),
      attempts: { retryCount: job.retryCount, retryLimit: job.retryLimit },
      result,
      error: failure ? (failure.success ? safeErrorMessage(failure.data.message) : 'the job failed') : null,
      errorCode: failure?.success ? (failure.data.code ?? null) : null,
      ...(progress ? { progress } : {}),
    };
  },
});

/**
 * A many-thread archive is done when its thread jobs are, not when the parent has enqueued them: until then it
 * shows as active, with the count of threads archived, failed and pending.
 */
async function withThreadProgress(
  db: McpDependencies['db'],
  jobId: string,
  state: JobState,
  data: unknown,
  result: Record<string, unknown> | null,
): Promise<{ state: JobState; progress: ManyThreadProgress }> {
  const payload = archiveConversationsPayload.safeParse(data);
  const output = archiveConversationsOutput.safeParse(result);
  const threadCount = payload.success ? new Set(payload.data.threadIds).size : 0;
  const empty = { total: threadCount, completed: 0, failed: 0, pending: threadCount, failedThreadIds: [] };
  if (state !== 'completed' || !payload.success || !output.success) return { state, progress: empty };
  const progress = await manyThreadProgress(db, {
    jobId,
    userId: payload.data.requestedBy,
    archiveId: output.data.archiveId,
    threadIds: payload.data.threadIds,
    childQueue: archiveConversationJob.queue,
  });
  return { state: progress.pending > 0 ? 'active' : 'completed', progress };
}

function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The first line of the error, bounded: never a stack. */
function safeErrorMessage(message: string): string {
  const firstLine = message.split('\n', 1)[0]!.trim();
  return firstLine.length > ERROR_MAX_CHARS ? `${firstLine.slice(0, ERROR_MAX_CHARS - 1)}…` : firstLine || 'the job failed';
}
