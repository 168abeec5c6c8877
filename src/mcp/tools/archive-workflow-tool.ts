import { archiveWorkflowJob } from '../../jobs/archive-workflow.ts';
import { visibleWorkflow } from '../../sql/workflows.ts';
import { defineSnapshotTool } from './snapshot-tool.ts';

export const archiveWorkflowTool = defineSnapshotTool({
  name: 'archive_workflow',
  title: 'Archive a workflow',
  description:
    'Queue a snapshot of a workflow you can see (yours, or another user\'s public or read-only one): its nodes and ' +
    'edges in the shape better-chatbot re-imports, with every credential (HTTP header and query values, URL ' +
    'userinfo, tokens and keys) replaced by a marker, plus an analysis (nodes by kind, tools, models, longest path). ' +
    'Markdown exports carry a Mermaid flowchart. Stored as one `workflow` item in a new archive named `name`, or in ' +
    '`archiveId`. Answers at once with {jobId}; poll get_job.',
  kind: 'workflow',
  idKey: 'workflowId',
  visible: visibleWorkflow,
  job: archiveWorkflowJob,
});
