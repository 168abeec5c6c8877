import { z } from 'zod';
import { snapshotJobDefinition, snapshotRequest } from './snapshot-item.ts';

export const archiveWorkflowPayload = z.strictObject({ workflowId: z.uuid(), ...snapshotRequest });
export type ArchiveWorkflowPayload = z.infer<typeof archiveWorkflowPayload>;

/** Snapshots a workflow (row, nodes, edges; credentials redacted) into an archive item of type `workflow`. */
export const archiveWorkflowJob = snapshotJobDefinition('workflow', archiveWorkflowPayload, (p) => p.workflowId);

export const WORKFLOW_EXPORT_FORMAT = 'chat-archiver/workflow-v1';
