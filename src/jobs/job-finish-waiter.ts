import { z } from 'zod';
import { JOB_FINISHED_CHANNEL } from '../db/job-finish-notify.ts';
import { openNotificationListener } from '../db/notification-listener.ts';
import type { Logger } from '../logger.ts';

const announcement = z.object({ id: z.string(), name: z.string() });

/** Wakes waiting `get_job` calls when a job (by id) or any job of a queue (by name) finishes. */
export interface JobFinishWaiter {
  /**
   * Resolves when one of `keys` (job ids or queue names) is announced, or after `ms`. Register before reading the
   * job, so a finish between the read and the wait is not lost.
   */
  register(keys: readonly string[], ms: number): { woken: Promise<void>; cancel(): void };
  close(): Promise<void>;
}

/**
 * One dedicated LISTEN connection per process; waiters live in memory and hold no pool connection. When the
 * connection drops every waiter is woken (it re-reads the job) and the listener reconnects.
 */
export async function openJobFinishWaiter(connectionString: string, log: Logger): Promise<JobFinishWaiter> {
  const waiters = new Map<string, Set<() => void>>();

  const wake = (key: string) => {
    const set = waiters.get(key);
    if (!set) return;
    for (const w of [...set]) w();
  };
  const wakeAll = () => {
    for (const key of [...waiters.keys()]) wake(key);
  };

  const listener = await openNotificationListener({
    connectionString,
    applicationName: 'chat-archiver:job-listen',
    channel: JOB_FINISHED_CHANNEL,
    onNotification(payload) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        return;
      }
      const job = announcement.safeParse(parsed);
      if (!job.success) return;
      wake(job.data.id);
      wake(job.data.name);
    },
    onLost: () => wakeAll(),
    log,
  });

  return {
    register(keys, ms) {
      let done: () => void = () => {};
      const woken = new Promise<void>((resolve) => {
        const timer = setTimeout(() => done(), ms);
        done = () => {
          clearTimeout(timer);
          for (const key of keys) {
            const set = waiters.get(key);
            set?.delete(done);
            if (set?.size === 0) waiters.delete(key);
          }
          resolve();
        };
        for (const key of keys) {
          const set = waiters.get(key) ?? new Set();
          set.add(done);
          waiters.set(key, set);
        }
      });
      return { woken, cancel: () => done() };
    },
    async close() {
      await listener.close();
    },
  };
}
