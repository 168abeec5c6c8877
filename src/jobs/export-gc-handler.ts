import type { ExportGcPayload } from './export-gc.ts';
import { collectExportGarbage, type ExportGarbageDeps, type ExportGarbageReport } from './export-garbage.ts';
import type { JobHandler } from './job-handler.ts';

export interface ExportGcOutput {
  deleted: number;
  expired: number;
  kept: number;
  staleUploads: number;
}

/** Runs one collection; `onCollected` reports it (metrics). */
export function createExportGcHandler(
  deps: ExportGarbageDeps & { retentionMs?: number; onCollected?(report: ExportGarbageReport): void },
): JobHandler<ExportGcPayload, ExportGcOutput> {
  return async (_payload, context) => {
    const report = await collectExportGarbage(deps, { dryRun: false, ...(deps.retentionMs !== undefined ? { retentionMs: deps.retentionMs } : {}) });
    deps.onCollected?.(report);
    context.log.info({ deleted: report.deleted.length, expired: report.expired, kept: report.kept, staleUploads: report.staleUploads }, 'export garbage collected');
    return { deleted: report.deleted.length, expired: report.expired, kept: report.kept, staleUploads: report.staleUploads };
  };
}
