import { z } from 'zod';
import { snapshotJobDefinition, snapshotRequest } from './snapshot-item.ts';

export const archiveAgentPayload = z.strictObject({ agentId: z.uuid(), ...snapshotRequest });
export type ArchiveAgentPayload = z.infer<typeof archiveAgentPayload>;

/** Snapshots an agent (row, instructions with mentions resolved, usage) into an archive item of type `agent`. */
export const archiveAgentJob = snapshotJobDefinition('agent', archiveAgentPayload, (p) => p.agentId);

export const AGENT_EXPORT_FORMAT = 'chat-archiver/agent-v1';
