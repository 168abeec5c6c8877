import type { PgBoss } from 'pg-boss';
import { adminQuery } from './test-cluster.ts';

export interface StandInWorker {
  handled: string[];
  stop(): Promise<void>;
}

/**
 * Works a queue through pg-boss's real work() loop with a trivial handler, standing in for the service's worker:
 * completes every job, except those `shouldFail` picks, which fail at once for good (their retries are
 * cut to zero first, so they dead-letter without waiting through the backoff).
 */
export async function startStandInWorker(
  boss: PgBoss,
  ownerUrl: string,
  queue: string,
  shouldFail: (data: Record<string, unknown>) => boolean = () => false,
): Promise<StandInWorker> {
  const handled: string[] = [];
  // With LISTEN/NOTIFY, pg-boss otherwise polls a backlog only every 30 s (notifyPollingIntervalSeconds).
  await boss.work<Record<string, unknown>>(queue, { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, batchSize: 1, localConcurrency: 2 }, async ([job]) => {
    handled.push(job!.id);
    if (shouldFail(job!.data)) {
      await adminQuery(ownerUrl, 'UPDATE pgboss.job SET retry_limit = retry_count WHERE name = $1 AND id = $2', [queue, job!.id]);
      throw new Error('renderer crashed');
    }
    return { archiveId: job!.id, tokens: 42 };
  });
  return {
    handled,
    stop: () => boss.offWork(queue, { wait: true }),
  };
}
