import { Counter, Gauge, type Registry } from 'prom-client';
import type { IndexPassResult, IndexProgress } from '../search/message-index-pass.ts';

export interface SearchIndexObserver {
  onProgress(progress: IndexProgress): void;
  onPass(result: IndexPassResult): void;
}

/** The conversation search index's progress (the backfill's above all) and what each pass changed. */
export function registerSearchIndexMetrics(registry: Registry): SearchIndexObserver {
  const indexed = new Gauge({
    name: 'chat_archiver_search_index_messages',
    help: 'Messages in the conversation search index during a backfill run by this process, as of its last batch',
    registers: [registry],
  });
  const total = new Gauge({
    name: 'chat_archiver_search_index_source_messages',
    help: "The app's messages when this process's running backfill started (progress = indexed / this)",
    registers: [registry],
  });
  const backfilling = new Gauge({
    name: 'chat_archiver_search_index_backfill_running',
    help: '1 while this process backfills the conversation search index',
    registers: [registry],
  });
  const changes = new Counter({
    name: 'chat_archiver_search_index_changes_total',
    help: 'Index changes by this process: indexed (new messages), reindexed (rewritten or committed late), removed (messages of deleted threads or deleted messages)',
    labelNames: ['change'] as const,
    registers: [registry],
  });
  const lastPass = new Gauge({
    name: 'chat_archiver_search_index_last_pass_seconds',
    help: 'Duration of the last index pass this process ran',
    registers: [registry],
  });
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
