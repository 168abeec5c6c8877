import type { Queue } from 'pg-boss';
import type { z } from 'zod';

/**
 * What the enqueuers (MCP tools, CLI) and the worker share about one queue: its name, the payload schema
 * (written once), the queue's options, and how duplicate requests are recognised.
 */
export interface JobDefinition<Payload> {
  queue: string;
  /** Failed jobs (after their retries) are copied here, where ops can inspect and redrive them. */
  deadLetterQueue: string;
  payload: z.ZodType<Payload>;
  queueOptions: Omit<Queue, 'name' | 'deadLetter'>;
  /** Requests with the same key while one is queued or running collapse into one job. */
  singletonKey(payload: Payload): string;
}

/** A job definition whose dead-letter queue is named after its queue, `<queue>-dead-letter`, as every queue's is. */
export function defineJob<Payload>(definition: Omit<JobDefinition<Payload>, 'deadLetterQueue'>): JobDefinition<Payload> {
  return { ...definition, deadLetterQueue: `${definition.queue}-dead-letter` };
}
