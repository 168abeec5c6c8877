import type { ExportFormat } from '../export/export-types.ts';
import type { SnapshotDocument } from '../export/snapshot-document.ts';
import { renderSnapshotMarkdown } from '../export/snapshot-markdown.ts';
import { renderSnapshotPdfOnDemand } from '../export/snapshot-pdf-on-demand.ts';

/** What one kind of snapshot (agent, workflow) exports. */
export interface SnapshotExport {
  /** The JSON export's `format`, e.g. `chat-archiver/agent-v1`. */
  format: string;
  /** Where the snapshot comes from: the row's id, owner and dates. */
  source: { createdAt: Date; updatedAt: Date };
  /** The JSON export's fields after `source`. */
  body: Record<string, unknown>;
  /** The same snapshot laid out for people (Markdown, PDF). */
  document(): SnapshotDocument;
}

/** The export file of a snapshot in the requested format: the JSON document, or the people's document as Markdown or PDF. */
export async function renderSnapshotExport(
  request: { name: string; exportFormat: ExportFormat },
  archiveId: string,
  takenAt: Date,
  snapshot: SnapshotExport,
): Promise<string | Buffer> {
  if (request.exportFormat === 'json') {
    const { source } = snapshot;
    const json = {
      format: snapshot.format,
      exportedAt: takenAt.toISOString(),
      archive: { id: archiveId, name: request.name },
      source: { ...source, createdAt: source.createdAt.toISOString(), updatedAt: source.updatedAt.toISOString() },
      ...snapshot.body,
    };
    return `${JSON.stringify(json, null, 2)}\n`;
  }
  const doc = snapshot.document();
  return request.exportFormat === 'markdown' ? renderSnapshotMarkdown(doc) : renderSnapshotPdfOnDemand(doc, takenAt);
}
