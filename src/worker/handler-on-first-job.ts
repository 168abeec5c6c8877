import type { JobHandler } from '../jobs/job-handler.ts';

/**
 * A handler built on its queue's first job: its module and what that imports (analysis, renderers, SQL) load then,
 * not when the worker starts, so an idle worker holds only what fetching jobs needs. A failed load is retried by the
 * next job.
 */
export function handlerOnFirstJob<P, O extends object>(build: () => Promise<JobHandler<P, O>>): JobHandler<P, O> {
  let handler: Promise<JobHandler<P, O>> | undefined;
  return async (payload, context) => {
    handler ??= build().catch((error: unknown) => {
      handler = undefined;
      throw error;
    });
    return (await handler)(payload, context);
  };
}
