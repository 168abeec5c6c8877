import { Semaphore } from './semaphore.ts';

/**
 * Calls that may wait for a permit, per permit: beyond, a call is refused at once instead of queueing up. A waiter costs
 * a promise and a timer, and each token already has at most MCP_TOKEN_MAX_CONCURRENT_CALLS in flight; the bound is
 * sized so that hundreds of agents searching at once queue (for at most MCP_EXPENSIVE_READS_WAIT_MS) rather than fail.
 */
const WAITING_PER_PERMIT = 250;

export function createExpensiveReadPool(permits: number, waitMs: number): Semaphore {
  return new Semaphore(permits, { maxWaiting: permits * WAITING_PER_PERMIT, waitMs });
}
