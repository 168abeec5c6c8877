import { z } from 'zod';
import { archiveAgentJob } from '../../jobs/archive-agent.ts';
import { enqueue } from '../../jobs/registry.ts';
import { visibleAgent } from '../../sql/agents.ts';
import { defineTool } from '../tool-definition.ts';
import { notFound } from '../tool-error.ts';
import { queuedJob, uuidArgument } from '../tool-schemas.ts';
import { requireOwnArchive, snapshotToolArguments } from './snapshot-tool-checks.ts';

export const archiveAgentTool = defineTool({
  name: 'archive_agent',
  title: 'Archive an agent',
  description:
    'Queue a snapshot of an agent you can see (yours, or another user\'s public or read-only one): its name, ' +
    'description, icon, visibility and instructions (role, system prompt, mentions resolved to what they point to), ' +
    'in the shape better-chatbot\'s agent creation takes, plus its usage in your threads (threads and messages it ' +
    'answered, tokens by model as the provider reported them and as counted here, tools with error rates, first and ' +
    'last use, activity per day). Stored as one `agent` item in a new archive named `name`, or in `archiveId`. ' +
    'Answers at once with {jobId}; poll get_job.',
  input: z.strictObject({
    agentId: uuidArgument('an agent id'),
    ...snapshotToolArguments,
  }),
  output: z.object(queuedJob),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { caller, deps }) {
    if (!(await visibleAgent(deps.db, caller.userId, input.agentId))) throw notFound('agent', input.agentId);
    await requireOwnArchive(deps.db, caller.userId, input.archiveId);
    const { jobId, deduplicated } = await enqueue(deps.boss, archiveAgentJob, { ...input, requestedBy: caller.userId });
    return { jobId, status: 'queued' as const, deduplicated };
  },
});
