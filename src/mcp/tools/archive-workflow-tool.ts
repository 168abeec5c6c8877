import { z } from 'zod';
import { archiveWorkflowJob } from '../../jobs/archive-workflow.ts';
import { enqueue } from '../../jobs/registry.ts';
import { visibleWorkflow } from '../../sql/workflows.ts';
import { defineTool } from '../tool-definition.ts';
import { notFound } from '../tool-error.ts';
import { queuedJob, uuidArgument } from '../tool-schemas.ts';
import { requireOwnArchive, snapshotToolArguments } from './snapshot-tool-checks.ts';

export const archiveWorkflowTool = defineTool({
  name: 'archive_workflow',
  title: 'Archive a workflow',
  description:
    'Queue a snapshot of a workflow you can see (yours, or another user\'s public or read-only one): its nodes and ' +
    'edges in the shape better-chatbot re-imports, with every credential (HTTP header and query values, URL ' +
    'userinfo, tokens and keys) replaced by a marker, plus an analysis (nodes by kind, tools, models, longest path). ' +
    'Markdown exports carry a Mermaid flowchart. Stored as one `workflow` item in a new archive named `name`, or in ' +
    '`archiveId`. Answers at once with {jobId}; poll get_job.',
  input: z.strictObject({
    workflowId: uuidArgument('a workflow id'),
    ...snapshotToolArguments,
  }),
  output: z.object(queuedJob),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { caller, deps }) {
    if (!(await visibleWorkflow(deps.db, caller.userId, input.workflowId))) throw notFound('workflow', input.workflowId);
    await requireOwnArchive(deps.db, caller.userId, input.archiveId);
    const { jobId, deduplicated } = await enqueue(deps.boss, archiveWorkflowJob, { ...input, requestedBy: caller.userId });
    return { jobId, status: 'queued' as const, deduplicated };
  },
});
