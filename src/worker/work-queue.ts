import type { PgBoss } from 'pg-boss';
import type { JobDefinition } from '../jobs/job-definition.ts';
import type { JobHandler } from '../jobs/job-handler.ts';
import type { Logger } from '../logger.ts';
import { runJob, type JobObserver } from './run-job.ts';

export interface WorkQueueOptions {
  /** Independent fetch loops: jobs of this queue run at once in this process. */
  concurrency: number;
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
 * Works one queue with `concurrency` fetch loops of one job each, so a long job never holds shorter ones back.
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
        batchSize: 1,
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
