import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config.ts';
import { createDb } from '../db/connect.ts';
import type { Database } from '../db/database.ts';
import { analyzePatternsJob } from '../jobs/analyze-patterns.ts';
import { archiveConversationJob } from '../jobs/archive-conversation.ts';
import { archiveConversationsJob } from '../jobs/archive-conversations.ts';
import { archiveAgentJob } from '../jobs/archive-agent.ts';
import { archiveWorkflowJob } from '../jobs/archive-workflow.ts';
import { exportArchiveJob } from '../jobs/export-archive.ts';
import { AUTO_ARCHIVE_SCHEDULE_KEY, AUTO_ARCHIVE_SINGLETON, autoArchiveJob } from '../jobs/auto-archive.ts';
import type { AutoArchiveRun } from '../jobs/auto-archive-handler.ts';
import type { ArchiveConversationDeps, CreateExportWriter } from '../jobs/archive-conversation-handler.ts';
import type { ExportStore } from '../export/object-store.ts';
import { EXPORT_GC_SCHEDULE_KEY, exportGcJob } from '../jobs/export-gc.ts';
import { EXPORT_WRITER_QUEUES, type ExportGarbageReport } from '../jobs/export-garbage.ts';
import { openExportStore } from '../export/open-store.ts';
import { createBoss } from '../jobs/boss.ts';
import { NIGHTLY_SCHEDULE_KEY, nightlyPatternsJob } from '../jobs/nightly-patterns.ts';
import { ensureQueues } from '../jobs/registry.ts';
import { SEARCH_INDEX_SCHEDULE_KEY, searchIndexJob } from '../jobs/search-index.ts';
import type { SearchIndexDeps } from '../jobs/search-index-handler.ts';
import type { Logger } from '../logger.ts';
import { formatAge } from '../ops/duration.ts';
import type { JobObserver } from './run-job.ts';
import { handlerOnFirstJob } from './handler-on-first-job.ts';
import { workQueue } from './work-queue.ts';

/** Settings tests and benchmarks change; production uses the defaults. */
export interface WorkerTuning {
  pollingIntervalSeconds?: number;
  notifyPollingIntervalSeconds?: number;
  cronMonitorIntervalSeconds?: number;
  cronWorkerIntervalSeconds?: number;
  /** Called between the archive job's steps (tests simulate crashes there). */
  archiveCheckpoint?: ArchiveConversationDeps['checkpoint'];
  createExportWriter?: CreateExportWriter;
  pageSize?: number;
  /** Replaces the store EXPORT_STORE names (tests give it explicit credentials). */
  exportStore?: ExportStore;
}

/** Messages committed late or rewritten this long behind the watermark are caught by the next pass. */
const SEARCH_INDEX_LOOKBACK_SECONDS = 300;

export interface WorkerOptions {
  config: Config;
  /** The restricted service role; the worker never connects as the owner. */
  serviceUrl: string;
  log: Logger;
  /** Fetch loops of the archive queue (default WORKER_CONCURRENCY); pattern analyses run one at a time. */
  concurrency?: number;
  /** Archive jobs each loop claims and runs at once (default WORKER_ARCHIVE_BATCH_SIZE, else DEFAULT_ARCHIVE_BATCH_SIZE). */
  archiveBatchSize?: number;
  observer?: JobObserver;
  /** Told about the search index's progress and passes (metrics). */
  /** Told what each export garbage collection deleted (metrics). */
  exportGcObserver?: { onCollected(report: ExportGarbageReport): void };
  searchIndexObserver?: Pick<SearchIndexDeps, 'onPass'> & Pick<SearchIndexDeps['pass'], 'onProgress'>;
  /** Told what each night's auto-archive run sent (metrics). */
  autoArchiveObserver?: { onRun(run: AutoArchiveRun): void };
  /**
   * Started with the worker's pools once it runs (its health and metrics listener), closed first when it stops.
   * Its description joins the worker's.
   */
  attach?(pools: { db: Kysely<Database>; boss: PgBoss }): Promise<{ description: string; close(): Promise<void> }>;
  /** Distinguishes several workers in one process (tests); shows in pg-boss's instance list. */
  instanceName?: string;
  tuning?: WorkerTuning;
}

export interface WorkerHandle {
  readonly concurrency: number;
  readonly description: string;
  /**
   * Stops fetching, lets running jobs finish within SHUTDOWN_TIMEOUT_MS, hands the rest back to the queue (their
   * `job.signal` aborts and pg-boss retries them), closes the pools. Safe to call more than once.
   */
  stop(): Promise<void>;
}

const DEFAULT_POLLING_SECONDS = 2;
const DEFAULT_NOTIFY_POLLING_SECONDS = 10;
/** How often this worker's pg-boss supervisor looks for jobs whose heartbeat stopped or that expired. */
const SUPERVISE_SECONDS = 10;
/** Export temp files untouched this long belong to no running job (archive jobs expire after 30 minutes). */
const STALE_EXPORT_MINUTES = 60;
/** How long to wait, after pg-boss gave up on a handler, for it to notice its aborted signal. */
const ABANDONED_HANDLER_GRACE_MS = 5_000;

/** Archive jobs per fetch of a worker process: shares one claim, one completion and the disk and commit waits among them. */
export const DEFAULT_ARCHIVE_BATCH_SIZE = 4;

export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const { config, log } = options;
  const tuning = options.tuning ?? {};
  const concurrency = options.concurrency ?? config.worker.concurrency;
  const archiveBatchSize = options.archiveBatchSize ?? config.worker.archiveBatchSize ?? DEFAULT_ARCHIVE_BATCH_SIZE;
  const workerLog = log.child({ component: 'worker' });
  const boss = createBoss(options.serviceUrl, {
    instanceName: options.instanceName ?? 'worker',
    supervise: true,
    schedule: true,
    // Fetches, completions and maintenance; handlers do not hold pg-boss connections.
    max: concurrency + 3,
    log: workerLog,
    timers: {
      // The supervisor's pass is what retries jobs whose heartbeat stopped (a killed worker) or that expired:
      // every 10 s instead of pg-boss's 60 s bounds crash recovery at heartbeatSeconds + 10 s + the retry delay.
      superviseIntervalSeconds: SUPERVISE_SECONDS,
      monitorIntervalSeconds: SUPERVISE_SECONDS,
      ...(tuning.cronMonitorIntervalSeconds !== undefined ? { cronMonitorIntervalSeconds: tuning.cronMonitorIntervalSeconds } : {}),
      ...(tuning.cronWorkerIntervalSeconds !== undefined ? { cronWorkerIntervalSeconds: tuning.cronWorkerIntervalSeconds } : {}),
    },
  });
  // Every archive job of a batch holds a connection while it reads and writes; two more for the other queues.
  const db = createDb(options.serviceUrl, {
    max: concurrency * archiveBatchSize + 2,
    applicationName: `chat-archiver:${options.instanceName ?? 'worker'}`,
    statementTimeoutMs: config.statementTimeoutMs,
  });
  const running = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    running.add(promise);
    const forget = () => running.delete(promise);
    promise.then(forget, forget);
  };

  let attached: { description: string; close(): Promise<void> } | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await attached?.close();
      workerLog.info({ timeoutMs: config.worker.shutdownTimeoutMs }, 'worker stopping: no new jobs, waiting for running ones');
      await boss.stop({ graceful: true, timeout: config.worker.shutdownTimeoutMs, close: true });
      await settleWithin([...running], ABANDONED_HANDLER_GRACE_MS);
      await db.destroy();
      workerLog.info('worker stopped');
    })());

  const store = tuning.exportStore ?? (await openExportStore(config));
  try {
    await store.check();
    const removed = await store.removeStaleUploads(new Date(Date.now() - STALE_EXPORT_MINUTES * 60_000));
    if (removed > 0) workerLog.info({ removed }, 'removed what exports that never finished left behind');
    await boss.start();
    await ensureQueues(boss);
    await registerHandlers(boss, db, store, options, { concurrency, batchSize: archiveBatchSize }, track, workerLog);
    // An upsert: every worker declares the same schedule, and pg-boss sends each occurrence once among them.
    await boss.schedule(nightlyPatternsJob.queue, config.patterns.cron, {}, {
      tz: config.patterns.timeZone,
      key: NIGHTLY_SCHEDULE_KEY,
      // A deploy or outage across the scheduled time still runs the night's analysis once.
      missed: 'once',
    });
    // Every minute by default, in UTC; an occurrence missed while no worker ran is not worth replaying.
    await boss.schedule(searchIndexJob.queue, config.searchIndex.cron, { trigger: 'schedule' }, { key: SEARCH_INDEX_SCHEDULE_KEY });
    await boss.schedule(exportGcJob.queue, config.exportStore.gcCron, { trigger: 'schedule' }, { key: EXPORT_GC_SCHEDULE_KEY });
    if (config.autoArchive) {
      await boss.schedule(autoArchiveJob.queue, config.autoArchive.cron, {}, { key: AUTO_ARCHIVE_SCHEDULE_KEY, missed: 'once', ...AUTO_ARCHIVE_SINGLETON });
    } else {
      // Schedules outlive the workers: turning retention off must also stop the one an earlier start registered.
      await boss.unschedule(autoArchiveJob.queue, AUTO_ARCHIVE_SCHEDULE_KEY);
    }
    if (options.attach) attached = await options.attach({ db, boss });
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  const retention = config.autoArchive ? `, auto-archive after ${formatAge(config.autoArchive.afterMs)} "${config.autoArchive.cron}" (UTC)` : '';
  const description = `${concurrency} archive fetch loop(s) of up to ${archiveBatchSize} job(s) each, exports in ${store.description}, nightly analysis "${config.patterns.cron}" (${config.patterns.timeZone})${retention}${
    attached ? `, ${attached.description}` : ''
  }`;
  workerLog.info({ concurrency, cron: config.patterns.cron, timeZone: config.patterns.timeZone }, 'worker started');
  return { concurrency, description, stop };
}

async function registerHandlers(
  boss: PgBoss,
  db: Kysely<Database>,
  store: ExportStore,
  options: WorkerOptions,
  archiveLoops: { concurrency: number; batchSize: number },
  track: (running: Promise<unknown>) => void,
  log: Logger,
): Promise<void> {
  const { config } = options;
  const tuning = options.tuning ?? {};
  const loop = {
    pollingIntervalSeconds: tuning.pollingIntervalSeconds ?? DEFAULT_POLLING_SECONDS,
    notifyPollingIntervalSeconds: tuning.notifyPollingIntervalSeconds ?? DEFAULT_NOTIFY_POLLING_SECONDS,
    log,
    track,
    ...(options.observer ? { observer: options.observer } : {}),
  };
  const loadTokenCounter: ArchiveConversationDeps['loadTokenCounter'] = async (encoding) => (await import('../analysis/tokens.ts')).loadTokenCounter(encoding);
  const archive = handlerOnFirstJob(async () =>
    (await import('../jobs/archive-conversation-handler.ts')).createArchiveConversationHandler({
      db,
      config,
      store,
      loadTokenCounter,
      createExportWriter: tuning.createExportWriter ?? (await import('../export/export-writer.ts')).createExportWriter,
      ...(tuning.archiveCheckpoint ? { checkpoint: tuning.archiveCheckpoint } : {}),
      ...(tuning.pageSize ? { pageSize: tuning.pageSize } : {}),
    }),
  );
  await workQueue(boss, archiveConversationJob, archive, { ...loop, ...archiveLoops });
  const grouped = handlerOnFirstJob(async () => (await import('../jobs/archive-conversations-handler.ts')).createArchiveConversationsHandler({ db, boss }));
  await workQueue(boss, archiveConversationsJob, grouped, { ...loop, concurrency: 1 });
  const snapshotDeps = { db, config, loadTokenCounter, store };
  const agent = handlerOnFirstJob(async () => (await import('../jobs/archive-agent-handler.ts')).createArchiveAgentHandler(snapshotDeps));
  await workQueue(boss, archiveAgentJob, agent, { ...loop, concurrency: 1 });
  const workflow = handlerOnFirstJob(async () => (await import('../jobs/archive-workflow-handler.ts')).createArchiveWorkflowHandler(snapshotDeps));
  await workQueue(boss, archiveWorkflowJob, workflow, { ...loop, concurrency: 1 });
  const bundles = handlerOnFirstJob(async () =>
    (await import('../jobs/export-archive-handler.ts')).createExportArchiveHandler({ db, config, store, loadTokenCounter, ...(tuning.pageSize ? { pageSize: tuning.pageSize } : {}) }),
  );
  await workQueue(boss, exportArchiveJob, bundles, { ...loop, concurrency: 1 });
  const patterns = handlerOnFirstJob(async () =>
    (await import('../jobs/analyze-patterns-handler.ts')).createAnalyzePatternsHandler({ db, timeZone: config.patterns.timeZone, reportStore: store }),
  );
  await workQueue(boss, analyzePatternsJob, patterns, { ...loop, concurrency: 1 });
  const nightly = handlerOnFirstJob(async () => (await import('../jobs/nightly-patterns-handler.ts')).createNightlyPatternsHandler({ boss, timeZone: config.patterns.timeZone }));
  await workQueue(boss, nightlyPatternsJob, nightly, { ...loop, concurrency: 1 });
  const autoArchive = handlerOnFirstJob(async () =>
    (await import('../jobs/auto-archive-handler.ts')).createAutoArchiveHandler({
      db,
      boss,
      autoArchive: config.autoArchive,
      ...(options.autoArchiveObserver ? { onRun: (run: AutoArchiveRun) => options.autoArchiveObserver!.onRun(run) } : {}),
    }),
  );
  await workQueue(boss, autoArchiveJob, autoArchive, { ...loop, concurrency: 1 });
  const indexObserver = options.searchIndexObserver;
  const searchIndex = handlerOnFirstJob(async () => (await import('../jobs/search-index-handler.ts')).createSearchIndexHandler({
    db,
    pass: {
      batchSize: config.searchIndex.batchSize,
      sweepThreads: config.searchIndex.sweepThreads,
      lookbackSeconds: SEARCH_INDEX_LOOKBACK_SECONDS,
      ...(indexObserver?.onProgress ? { onProgress: indexObserver.onProgress } : {}),
    },
    ...(indexObserver?.onPass ? { onPass: indexObserver.onPass } : {}),
  }));
  await workQueue(boss, searchIndexJob, searchIndex, { ...loop, concurrency: 1 });
  const gc = handlerOnFirstJob(async () => (await import('../jobs/export-gc-handler.ts')).createExportGcHandler({
    db,
    boss,
    store,
    exportDir: config.exportDir,
    writerQueues: EXPORT_WRITER_QUEUES,
    ...(config.exportStore.retentionMs !== undefined ? { retentionMs: config.exportStore.retentionMs } : {}),
    ...(options.exportGcObserver ? { onCollected: (report: ExportGarbageReport) => options.exportGcObserver!.onCollected(report) } : {}),
  }));
  await workQueue(boss, exportGcJob, gc, { ...loop, concurrency: 1 });
}

async function settleWithin(promises: Promise<unknown>[], timeoutMs: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
