import type { Db, PgBoss } from 'pg-boss';
import { analyzePatternsJob } from './analyze-patterns.ts';
import { archiveConversationJob } from './archive-conversation.ts';
import { archiveConversationsJob } from './archive-conversations.ts';
import { archiveAgentJob } from './archive-agent.ts';
import { archiveWorkflowJob } from './archive-workflow.ts';
import { autoArchiveJob } from './auto-archive.ts';
import { exportArchiveJob } from './export-archive.ts';
import { exportGcJob } from './export-gc.ts';
import type { JobDefinition } from './job-definition.ts';
import { nightlyPatternsJob } from './nightly-patterns.ts';
import { searchIndexJob } from './search-index.ts';

/** Every queue the service owns. The worker works them; the MCP server and CLI enqueue into them. */
export const jobDefinitions = [archiveConversationJob, analyzePatternsJob, nightlyPatternsJob, archiveConversationsJob, searchIndexJob, exportGcJob, archiveAgentJob, archiveWorkflowJob, autoArchiveJob, exportArchiveJob] as const;

type QueueDefinition = Pick<JobDefinition<unknown>, 'queue' | 'deadLetterQueue' | 'queueOptions'>;
export const queueDefinitions: readonly QueueDefinition[] = jobDefinitions;

/**
 * Creates every queue and its dead-letter queue if missing, and checks existing ones kept the policy we rely on:
 * pg-boss's createQueue is a silent no-op on an existing queue and a policy cannot be changed afterwards.
 */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const def of queueDefinitions) {
    await boss.createQueue(def.deadLetterQueue, { policy: 'standard', retryLimit: 0, deleteAfterSeconds: 30 * 24 * 3600, retentionSeconds: 30 * 24 * 3600 });
    await boss.createQueue(def.queue, { ...def.queueOptions, deadLetter: def.deadLetterQueue });
    const queue = await boss.getQueue(def.queue);
    if (queue && def.queueOptions.policy && queue.policy !== def.queueOptions.policy) {
      throw new Error(`queue ${def.queue} has policy "${queue.policy}", expected "${def.queueOptions.policy}": recreate it (ops) before starting`);
    }
    const { policy: _policy, ...mutable } = def.queueOptions;
    await boss.updateQueue(def.queue, { ...mutable });
  }
}

export interface EnqueueResult {
  jobId: string;
  /** True when an identical request was already queued or running and its job is returned instead. */
  deduplicated: boolean;
}

/**
 * Parses the payload (throws ZodError on bad input) and sends it; duplicates collapse onto the existing job. With
 * `db` (pg-boss's `fromKysely(trx)`) the job is inserted in that transaction and exists only if it commits.
 */
export async function enqueue<P>(boss: PgBoss, def: JobDefinition<P>, input: unknown, db?: Db): Promise<EnqueueResult> {
  const payload = def.payload.parse(input);
  const singletonKey = def.singletonKey(payload);
  for (let attempt = 0; attempt < 3; attempt++) {
    const jobId = await boss.send(def.queue, payload as object, db ? { singletonKey, db } : { singletonKey });
    if (jobId) return { jobId, deduplicated: false };
    const [existing] = await boss.findJobs(def.queue, { key: singletonKey, queued: true, limit: 1 });
    if (existing) return { jobId: existing.id, deduplicated: true };
    const [active] = (await boss.findJobs(def.queue, { key: singletonKey, limit: 100 })).filter((j) => j.state === 'active');
    if (active) return { jobId: active.id, deduplicated: true };
    // The blocking job finished between our send and our look-up: send again.
  }
  throw new Error(`could not enqueue into ${def.queue}: a duplicate kept blocking the request`);
}
