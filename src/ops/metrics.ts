import type { ExportGarbageReport } from '../jobs/export-garbage.ts';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { declareMetricsIn } from './metric-declarations.ts';
import type { JobStateCount } from './job-counts.ts';
import { registerSearchIndexMetrics, type SearchIndexObserver } from './search-index-metrics.ts';

/** What the worker's per-job wrapper reports when a job ends. */
export interface JobEndEvent {
  queue: string;
  jobId: string;
  durationMs: number;
  /** `completed`, `failed` (pg-boss retries it, or dead-letters it after the last attempt) or `dead-lettered` (at once). */
  outcome: string;
  /** For `failed`: whether another attempt follows. */
  willRetry?: boolean;
  /** Tokens counted while archiving, when the job counted any. */
  tokens?: number;
}

/** What the MCP tool-call wrapper reports for every call. */
export interface ToolCallEvent {
  tool: string;
  userId?: string;
  durationMs: number;
  outcome: string;
  jobId?: string;
}

export interface JobObserver {
  onJobStart(job: { queue: string; jobId: string }): void;
  onJobEnd(event: JobEndEvent): void;
}

export interface ToolCallObserver {
  onToolCall(event: ToolCallEvent): void;
}

export interface MetricsOptions {
  /** Read at scrape time for the jobs-by-state gauges; absent = those gauges stay empty (e.g. in unit tests). */
  jobCounts?: () => Promise<JobStateCount[]>;
  /** Several scrapers (or a fast one) share one count query within this window. */
  jobCountsCacheMs?: number;
  /** Node process metrics (CPU, memory, event loop, GC); on by default. */
  processMetrics?: boolean;
}

export interface ServiceMetrics {
  registry: Registry;
  /** Where the jobs-by-state gauges read from, when it exists only after the metrics (a process's pg-boss). */
  useJobCounts(read: () => Promise<JobStateCount[]>): void;
  jobObserver: JobObserver;
  toolCallObserver: ToolCallObserver;
  searchIndexObserver: SearchIndexObserver;
  /** Counts what each export garbage collection deleted. */
  exportGcObserver: { onCollected(report: Pick<ExportGarbageReport, 'deleted' | 'expired' | 'staleUploads'>): void };
  /** Counts each night's auto-archive run and the threads it sent. */
  autoArchiveObserver: { onRun(run: { users: number; threads: number }): void };
  /** Prometheus text exposition of everything registered. */
  render(): Promise<{ contentType: string; body: string }>;
}

// Archive jobs run from a fraction of a second to many minutes; pattern analyses up to an hour.
const JOB_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
// Tool calls only validate and enqueue: milliseconds, unless the database is struggling.
const TOOL_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type MetricDeclarations = ReturnType<typeof declareMetricsIn>;

/**
 * The service's Prometheus metrics, in a registry of their own (no global state, so tests and the single-process
 * `start` can create several). The worker and the MCP server attach the observers to their wrappers.
 */
export function createMetrics(options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const jobCounts = registerJobCountGauges(registry, options);
  const declare = declareMetricsIn(registry);
  const jobObserver = jobMetrics(declare);
  const toolCallObserver = toolCallMetrics(declare);
  const searchIndexObserver = registerSearchIndexMetrics(registry);
  const exportGcObserver = exportGcMetrics(declare);
  const autoArchiveObserver = autoArchiveMetrics(declare);
  return {
    registry,
    searchIndexObserver,
    autoArchiveObserver,
    exportGcObserver,
    useJobCounts: jobCounts.useJobCounts,
    jobObserver,
    toolCallObserver,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** The jobs-by-state and oldest-waiting gauges, read from pg-boss at scrape time, and the count query's failures. */
function registerJobCountGauges(registry: Registry, options: MetricsOptions): Pick<ServiceMetrics, 'useJobCounts'> {
  const countErrors = new Counter({
    name: 'chat_archiver_job_counts_errors_total',
    help: 'Scrapes whose job count query failed (the jobs gauges are then left empty)',
    registers: [registry],
    // Settles the scrape's count query first, so a failure shows up in the same scrape.
    async collect() {
      await snapshot().catch(() => {});
    },
  });
  let readJobCounts = options.jobCounts;
  const snapshot = cachedSnapshot(() => readJobCounts, options.jobCountsCacheMs ?? 5000, () => countErrors.inc());
  new Gauge({
    name: 'chat_archiver_jobs',
    help: 'Jobs stored in pg-boss by queue and state (read at scrape time, cached briefly)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await snapshot().catch(() => []);
      for (const c of counts) this.set({ queue: c.queue, state: c.state }, c.count);
    },
  });
  new Gauge({
    name: 'chat_archiver_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting to run (queued or retrying) per queue; 0 when none waits',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await snapshot().catch(() => []);
      const oldest = new Map<string, number>();
      for (const c of counts) {
        if (c.state !== 'created' && c.state !== 'retry') continue;
        oldest.set(c.queue, Math.max(oldest.get(c.queue) ?? 0, c.oldestSeconds ?? 0));
      }
      for (const [queue, seconds] of oldest) this.set({ queue }, seconds);
    },
  });
  return {
    useJobCounts(read) {
      readJobCounts = read;
    },
  };
}

/** What this process's job attempts did: in progress, durations, outcomes and the tokens they counted. */
function jobMetrics(declare: MetricDeclarations): JobObserver {
  const inProgress = declare.gauge('chat_archiver_jobs_in_progress', 'Jobs this process is running now', ['queue']);
  const jobDuration = declare.histogram('chat_archiver_job_duration_seconds', 'Duration of job attempts run by this process, by queue and outcome (completed, failed, dead-lettered)', ['queue', 'outcome'], JOB_BUCKETS);
  const completed = declare.counter('chat_archiver_jobs_completed_total', 'Job attempts this process completed', ['queue']);
  const failed = declare.counter('chat_archiver_jobs_failed_total', 'Job attempts this process failed (pg-boss retries them or moves them to the dead-letter queue)', ['queue']);
  const deadLettered = declare.counter('chat_archiver_jobs_dead_lettered_total', 'Failed attempts after which the job went to the dead-letter queue (no attempt left, or a permanent error)', ['queue']);
  const tokens = declare.counter('chat_archiver_tokens_counted_total', 'Tokens counted in archived conversations by this process', ['queue']);
  return {
    onJobStart({ queue }) {
      inProgress.inc({ queue });
    },
    onJobEnd(event) {
      inProgress.dec({ queue: event.queue });
      // Known outcomes only, so a label value can never come from elsewhere.
      const outcome = event.outcome === 'completed' || event.outcome === 'dead-lettered' ? event.outcome : 'failed';
      jobDuration.observe({ queue: event.queue, outcome }, event.durationMs / 1000);
      (outcome === 'completed' ? completed : failed).inc({ queue: event.queue });
      if (outcome === 'dead-lettered' || (outcome === 'failed' && event.willRetry === false)) deadLettered.inc({ queue: event.queue });
      if (event.tokens !== undefined && event.tokens > 0) tokens.inc({ queue: event.queue }, event.tokens);
    },
  };
}

/** MCP tool calls by tool and outcome, and the jobs they enqueued. */
function toolCallMetrics(declare: MetricDeclarations): ToolCallObserver {
  const toolDuration = declare.histogram('chat_archiver_tool_call_duration_seconds', 'MCP tool calls by tool and outcome; for archive_conversation and analyze_conversation_patterns this is the enqueue latency', ['tool', 'outcome'], TOOL_BUCKETS);
  const enqueued = declare.counter('chat_archiver_tool_jobs_enqueued_total', 'Jobs enqueued (or matched to an identical queued one) by MCP tool calls', ['tool']);
  return {
    // The user id is left out on purpose: one series per user would grow without bound.
    onToolCall(event) {
      toolDuration.observe({ tool: event.tool, outcome: event.outcome }, event.durationMs / 1000);
      if (event.jobId) enqueued.inc({ tool: event.tool });
    },
  };
}

function exportGcMetrics(declare: MetricDeclarations): ServiceMetrics['exportGcObserver'] {
  const exportsDeleted = declare.counter('chat_archiver_export_gc_deleted_total', 'Export objects deleted by the export garbage collection: unnamed (deleted archives, replaced or never committed exports), expired (EXPORT_RETENTION), stale_upload (unfinished uploads)', ['reason']);
  return {
    onCollected(report) {
      exportsDeleted.inc({ reason: 'unnamed' }, report.deleted.length - report.expired);
      exportsDeleted.inc({ reason: 'expired' }, report.expired);
      exportsDeleted.inc({ reason: 'stale_upload' }, report.staleUploads);
    },
  };
}

function autoArchiveMetrics(declare: MetricDeclarations): ServiceMetrics['autoArchiveObserver'] {
  const autoArchiveRuns = declare.counter('chat_archiver_auto_archive_runs_total', 'Nightly auto-archive runs (AUTO_ARCHIVE_AFTER) this process performed');
  const autoArchiveThreads = declare.counter(
    'chat_archiver_auto_archive_threads_total',
    'Threads the auto-archive runs of this process sent into the users\' "Auto-archive YYYY-MM" archives (threads already in an archive are never sent)',
  );
  return {
    onRun(run) {
      autoArchiveRuns.inc();
      autoArchiveThreads.inc(run.threads);
    },
  };
}

/**
 * One count query serves every gauge of a scrape (their collect() calls run concurrently) and, for `maxAgeMs`,
 * the scrapes that follow. A failed query is counted once and not cached: the next scrape tries again.
 */
function cachedSnapshot(
  source: () => (() => Promise<JobStateCount[]>) | undefined,
  maxAgeMs: number,
  onError: () => void,
): () => Promise<JobStateCount[]> {
  let cached: { at: number; settled: boolean; value: Promise<JobStateCount[]> } | undefined;
  return () => {
    const read = source();
    if (!read) return Promise.resolve([]);
    if (!cached || (cached.settled && Date.now() - cached.at > maxAgeMs)) {
      const entry = { at: Date.now(), settled: false, value: read() };
      cached = entry;
      entry.value.then(
        () => {
          entry.settled = true;
          entry.at = Date.now();
        },
        () => {
          onError();
          if (cached === entry) cached = undefined;
        },
      );
    }
    return cached.value;
  };
}
