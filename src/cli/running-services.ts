import type { Config } from '../config.ts';
import type { DatabaseTarget } from '../db/database-target.ts';
import type { Logger } from '../logger.ts';

export interface ServiceContext {
  config: Config;
  target: DatabaseTarget;
  log: Logger;
}

export interface ServiceHandle {
  /** One line for the console: what runs and where. */
  description: string;
  stop(): Promise<void>;
}

export interface RunnableService {
  name: string;
  start(context: ServiceContext): Promise<ServiceHandle>;
}

/** What `chat-archiver start` runs after the database is ready, in this order; stopped in reverse. */
export const runningServices: RunnableService[] = [
  {
    name: 'worker',
    start: async ({ config, target, log }) => (await import('../worker/start-worker.ts')).startWorker({ config, serviceUrl: target.serviceUrl, log }),
  },
];
