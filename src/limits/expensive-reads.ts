import { Semaphore } from './semaphore.ts';

/** Calls that may wait for a permit, per permit: beyond, a call is refused at once instead of queueing up. */
const WAITING_PER_PERMIT = 10;

export function createExpensiveReadPool(permits: number, waitMs: number): Semaphore {
  return new Semaphore(permits, { maxWaiting: permits * WAITING_PER_PERMIT, waitMs });
}
