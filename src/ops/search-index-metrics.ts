import type { Registry } from 'prom-client';
import { declareMetricsIn } from './metric-declarations.ts';
import type { IndexPassResult, IndexProgress } from '../search/message-index-pass.ts';

export interface SearchIndexObserver {
  onProgress(progress: IndexProgress): void;
  onPass(result: IndexPassResult): void;
}

/** The conversation search index's progress (the backfill's above all) and what each pass changed. */
export function registerSearchIndexMetrics(registry: Registry): SearchIndexObserver {
  const declare = declareMetricsIn(registry);
  const indexed = declare.gauge('chat_archiver_search_index_messages', 'Messages in the conversation search index during a backfill run by this process, as of its last batch');
  const total = declare.gauge('chat_archiver_search_index_source_messages', "The app's messages when this process's running backfill started (progress = indexed / this)");
  const backfilling = declare.gauge('chat_archiver_search_index_backfill_running', '1 while this process backfills the conversation search index');
  const changes = declare.counter('chat_archiver_search_index_changes_total', 'Index changes by this process: indexed (new messages), reindexed (rewritten or committed late), removed (messages of deleted threads or deleted messages)', ['change']);
  const lastPass = declare.gauge('chat_archiver_search_index_last_pass_seconds', 'Duration of the last index pass this process ran');
  return {
    onProgress(progress) {
      if (progress.backfilling) {
        indexed.set(progress.indexed);
        total.set(progress.total);
      }
      backfilling.set(progress.backfilling ? 1 : 0);
    },
    onPass(result) {
      changes.inc({ change: 'indexed' }, result.indexed);
      changes.inc({ change: 'reindexed' }, result.reindexed);
      changes.inc({ change: 'removed' }, result.removedMessages);
      lastPass.set(result.durationMs / 1000);
      if (result.caughtUp) backfilling.set(0);
    },
  };
}
