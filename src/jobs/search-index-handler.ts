import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { runIndexPass, type IndexPassOptions, type IndexPassResult } from '../search/message-index-pass.ts';
import type { JobHandler } from './job-handler.ts';
import type { SearchIndexPayload } from './search-index.ts';

export interface SearchIndexDeps {
  db: Kysely<Database>;
  pass: Pick<IndexPassOptions, 'batchSize' | 'sweepThreads' | 'lookbackSeconds' | 'onProgress'>;
  /** Told after every pass (metrics). */
  onPass?(result: IndexPassResult): void;
}

/** Runs one index pass per job; the job's output is the pass's summary. */
export function createSearchIndexHandler(deps: SearchIndexDeps): JobHandler<SearchIndexPayload, IndexPassResult> {
  return async (payload, context) => {
    const result = await runIndexPass(deps.db, { ...deps.pass, log: context.log, signal: context.signal });
    deps.onPass?.(result);
    const changed = result.indexed + result.reindexed + result.removedThreads + result.removedMessages + result.retitledThreads;
    if (changed > 0 || payload.trigger !== 'schedule') context.log.info({ trigger: payload.trigger, ...result }, 'search index pass done');
    return result;
  };
}
