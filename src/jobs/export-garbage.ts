import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/database.ts';
import type { ExportStore } from '../export/object-store.ts';
import { normalizeLocation } from '../export/store-location.ts';
import { analyzePatternsJob } from './analyze-patterns.ts';
import { archiveConversationJob } from './archive-conversation.ts';
import { exportArchiveJob } from './export-archive.ts';
import { forgetExportsBefore, namedExportLocations } from '../sql/exports.ts';

export interface ExportGarbageDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  store: ExportStore;
  exportDir: string;
  /** Queues whose jobs write exports: an object of one of their unfinished jobs is never deleted. */
  writerQueues: readonly string[];
}

export interface ExportGarbageOptions {
  dryRun: boolean;
  now?: Date;
  /** EXPORT_RETENTION: exports older than this are forgotten by their rows, then deleted. */
  retentionMs?: number;
  /** Unnamed objects younger than this are left alone (an upload finishing right now). */
  graceMs?: number;
  /** Unfinished uploads (temp files, multipart uploads) older than this are removed. */
  staleUploadMs?: number;
}

export interface ExportGarbageReport {
  dryRun: boolean;
  /** Store-relative keys of the objects deleted (or, in a dry run, that would be). */
  deleted: string[];
  /** Of those, how many retention made unnamed. */
  expired: number;
  /** Unnamed objects kept because a job that writes them is still queued or running, or they are too new. */
  kept: number;
  staleUploads: number;
}

/** Queues whose jobs write export objects (their ids are in the keys). */
export const EXPORT_WRITER_QUEUES: readonly string[] = [archiveConversationJob.queue, analyzePatternsJob.queue, exportArchiveJob.queue];

const DEFAULT_GRACE_MS = 5 * 60_000;
const DEFAULT_STALE_UPLOAD_MS = 60 * 60_000;
/** `<archiveId>/<threadId|bundle>.<jobId>.<ext>`: the job whose attempts write the object. */
const JOB_IN_KEY = /\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[a-z]+$/;
const UNFINISHED = new Set(['created', 'retry', 'active']);

/**
 * Deletes the export objects no live row names: those of archives the app deleted (the foreign keys cascade to
 * the items, the files stay), replaced exports, leftovers of jobs that crashed between upload and commit and never
 * committed, and, with retention, exports past their age. It never deletes an object a row names, and never one
 * that an unfinished job may still commit: the listing is taken first, then the unfinished jobs, then the names, so
 * an object committed after the names were read belongs to a job that was unfinished when the jobs were read.
 */
export async function collectExportGarbage(deps: ExportGarbageDeps, options: ExportGarbageOptions): Promise<ExportGarbageReport> {
  const now = options.now ?? new Date();
  const expiredLocations = new Set<string>();
  if (options.retentionMs !== undefined) {
    const forgotten = await forgetExportsBefore(deps.db, new Date(now.getTime() - options.retentionMs), { reason: 'retention', at: now.toISOString() }, options.dryRun);
    for (const location of forgotten) {
      const normalized = normalizeLocation(location, deps.exportDir);
      if (normalized) expiredLocations.add(normalized);
    }
  }

  const listed = [];
  for await (const object of deps.store.list()) listed.push(object);
  const unfinished = await unfinishedJobs(deps, listed.map((o) => JOB_IN_KEY.exec(o.key)?.[1]).filter((id): id is string => id !== undefined));
  const named = new Set((await namedExportLocations(deps.db)).map((l) => normalizeLocation(l, deps.exportDir)));
  // In a dry run the rows still name what retention would forget.
  if (options.dryRun) for (const location of expiredLocations) named.delete(location);

  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const report: ExportGarbageReport = { dryRun: options.dryRun, deleted: [], expired: 0, kept: 0, staleUploads: 0 };
  for (const object of listed) {
    const location = normalizeLocation(object.location, deps.exportDir);
    if (!location || named.has(location)) continue;
    const jobId = JOB_IN_KEY.exec(object.key)?.[1];
    if ((jobId && unfinished.has(jobId)) || now.getTime() - object.modifiedAt.getTime() < graceMs) {
      report.kept += 1;
      continue;
    }
    if (!options.dryRun) await deps.store.delete(object.location);
    report.deleted.push(object.key);
    if (expiredLocations.has(location)) report.expired += 1;
  }
  if (!options.dryRun) report.staleUploads = await deps.store.removeStaleUploads(new Date(now.getTime() - (options.staleUploadMs ?? DEFAULT_STALE_UPLOAD_MS)));
  return report;
}

async function unfinishedJobs(deps: ExportGarbageDeps, jobIds: string[]): Promise<Set<string>> {
  const unfinished = new Set<string>();
  for (const id of new Set(jobIds)) {
    for (const queue of deps.writerQueues) {
      const [job] = await deps.boss.findJobs(queue, { id });
      if (job && UNFINISHED.has(job.state)) unfinished.add(id);
      if (job) break;
    }
  }
  return unfinished;
}
