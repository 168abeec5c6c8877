import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { JobDefinition } from '../../jobs/job-definition.ts';
import { enqueueWithinQuota } from '../job-quota.ts';
import { defineTool, type ToolDefinition } from '../tool-definition.ts';
import { notFound } from '../tool-error.ts';
import { queuedJob, uuidArgument } from '../tool-schemas.ts';
import { requireOwnArchive, snapshotToolArguments } from './snapshot-tool-checks.ts';

/** What tells one snapshot tool from another: the kind of row it snapshots, how it is found, and its job. */
export interface SnapshotToolSpec<IdKey extends string> {
  name: string;
  title: string;
  description: string;
  kind: 'agent' | 'workflow';
  /** The argument naming the row, e.g. `agentId`. */
  idKey: IdKey;
  /** The row if the user may see it (theirs, or another user's public or read-only one). */
  visible(db: Kysely<Database>, userId: string, id: string): Promise<unknown>;
  job: JobDefinition<{ [K in IdKey]: string }>;
}

/**
 * A tool that queues a snapshot of a row the caller can see into a new archive or one of theirs, and answers at
 * once with the job: unknown and invisible rows, and foreign archives, are refused before anything is queued, and
 * the caller's open jobs of the queue count against the per-user quota as every job-creating tool's do.
 */
export function defineSnapshotTool<IdKey extends string>(spec: SnapshotToolSpec<IdKey>): ToolDefinition {
  const shape = { [spec.idKey]: uuidArgument(`an ${spec.kind} id`), ...snapshotToolArguments } as Record<IdKey, z.ZodUUID> & typeof snapshotToolArguments;
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    input: z.strictObject(shape),
    output: z.object(queuedJob),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(input, { caller, deps }) {
      const args = input as Record<IdKey, string> & { archiveId?: string };
      if (!(await spec.visible(deps.db, caller.userId, args[spec.idKey]))) throw notFound(spec.kind, args[spec.idKey]);
      await requireOwnArchive(deps.db, caller.userId, args.archiveId);
      const { jobId, deduplicated } = await enqueueWithinQuota({ caller, deps }, spec.job, { ...input, requestedBy: caller.userId });
      return { jobId, status: 'queued' as const, deduplicated };
    },
  });
}
