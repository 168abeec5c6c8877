import type { PgBoss } from 'pg-boss';
import type { JobDefinition } from '../jobs/job-definition.ts';
import type { JobHandler } from '../jobs/job-handler.ts';
import type { Logger } from '../logger.ts';
import { runJob, type JobObserver } from './run-job.ts';

export interface WorkQueueOptions {
  /** Independent fetch loops of this queue in this process. */
  concurrency: number;
  /** Jobs one fetch claims; they run at once and pg-boss records their results together (default 1). */
  batchSize?: number;
  /** Poll interval when LISTEN/NOTIFY is unavailable. */
  pollingIntervalSeconds: number;
  /** Safety poll while NOTIFY is live (jobs made ready by a retry delay send no NOTIFY). */
  notifyPollingIntervalSeconds: number;
  log: Logger;
  observer?: JobObserver;
  /** Told when a handler starts and settles, so shutdown can wait for handlers pg-boss gave up on. */
  track(running: Promise<unknown>): void;
}

/**
 * Works one queue with `concurrency` fetch loops. Each claims up to `batchSize` jobs in one statement and runs them
 * at once; pg-boss records their results in one statement when the last of them ends. With one job per fetch a long
 * job never holds shorter ones back; a larger batch shares the claim, the completion and the waits for disk and
 * commit among its jobs (archive-conversation, see docs/PIPELINE.md).
 *
 * pg-boss sleeps a loop for its polling interval after every fetch, even while a backlog waits (burst modes need
 * batches larger than one, or stale cached counts). Each loop therefore wakes itself after every job it ran: a
 * loop that found a job fetches again at once and only sleeps, until NOTIFY or the poll, once the queue is empty.
 */
export async function workQueue<Payload, Output extends object>(
  boss: PgBoss,
  definition: JobDefinition<Payload>,
  handler: JobHandler<Payload, Output>,
  options: WorkQueueOptions,
): Promise<void> {
  for (let loop = 0; loop < options.concurrency; loop++) {
    let workerId: string | undefined;
    workerId = await boss.work(
      definition.queue,
      {
        batchSize: options.batchSize ?? 1,
        includeMetadata: true,
        perJobResults: true,
        pollingIntervalSeconds: options.pollingIntervalSeconds,
        notifyPollingIntervalSeconds: options.notifyPollingIntervalSeconds,
      },
      async (jobs) => {
        const running = Promise.all(jobs.map((job) => runJob(definition, handler, job, { log: options.log, observer: options.observer })));
        options.track(running);
        const results = await running;
        if (workerId !== undefined) boss.notifyWorker(workerId);
        return results;
      },
    );
  }
}
