import { archiveAgentJob } from '../../jobs/archive-agent.ts';
import { visibleAgent } from '../../sql/agents.ts';
import { defineSnapshotTool } from './snapshot-tool.ts';

export const archiveAgentTool = defineSnapshotTool({
  name: 'archive_agent',
  title: 'Archive an agent',
  description:
    'Queue a snapshot of an agent you can see (yours, or another user\'s public or read-only one): its name, ' +
    'description, icon, visibility and instructions (role, system prompt, mentions resolved to what they point to), ' +
    'in the shape better-chatbot\'s agent creation takes, plus its usage in your threads (threads and messages it ' +
    'answered, tokens by model as the provider reported them and as counted here, tools with error rates, first and ' +
    'last use, activity per day). Stored as one `agent` item in a new archive named `name`, or in `archiveId`. ' +
    'Answers at once with {jobId}; poll get_job.',
  kind: 'agent',
  idKey: 'agentId',
  visible: visibleAgent,
  job: archiveAgentJob,
});
