import { queueDefinitions } from '../jobs/registry.ts';

export interface ServiceQueue {
  name: string;
  deadLetterQueue: string;
}

/** The service's work queues, each with its dead-letter queue. */
export const serviceQueues: readonly ServiceQueue[] = queueDefinitions.map((def) => ({ name: def.queue, deadLetterQueue: def.deadLetterQueue }));

/** Every queue ops may look into: the work queues and their dead-letter queues. */
export const allServiceQueueNames: readonly string[] = serviceQueues.flatMap((q) => [q.name, q.deadLetterQueue]);

export function isServiceQueue(name: string): boolean {
  return allServiceQueueNames.includes(name);
}

/** The work queue a dead-letter queue collects from, or undefined for a work queue. */
export function sourceOfDeadLetterQueue(name: string): ServiceQueue | undefined {
  return serviceQueues.find((q) => q.deadLetterQueue === name);
}
