import type { PgBoss } from 'pg-boss';
import type { JobDefinition } from '../jobs/job-definition.ts';
import { enqueue, type EnqueueResult } from '../jobs/registry.ts';

/**
 * Enqueues many payloads a few at a time (one send is one commit, ~2 ms), through `enqueue` so that a request
 * already queued or running collapses onto its job instead of failing the batch as pg-boss's `insert` would.
 */
export async function enqueueMany<P>(
  boss: PgBoss,
  def: JobDefinition<P>,
  payloads: readonly unknown[],
  options: { concurrency?: number; onEnqueued?(done: number): void } = {},
): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = new Array(payloads.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < payloads.length) {
      const index = next++;
      results[index] = await enqueue(boss, def, payloads[index]);
      options.onEnqueued?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 3, payloads.length) }, lane));
  return results;
}
