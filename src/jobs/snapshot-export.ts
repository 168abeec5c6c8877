import type { ExportFormat } from '../export/export-types.ts';
import type { SnapshotDocument } from '../export/snapshot-document.ts';
import { renderSnapshotMarkdown } from '../export/snapshot-markdown.ts';
import { renderSnapshotPdfOnDemand } from '../export/snapshot-pdf-on-demand.ts';

/** What a snapshot job exports, in any format. */
export interface SnapshotExportInput {
  exportFormat: ExportFormat;
  /** The JSON export's `format`, e.g. `chat-archiver/agent-v1`. */
  format: string;
  takenAt: Date;
  archive: { id: string; name: string };
  /** Where the snapshot comes from: the row's id, owner and dates. */
  source: { createdAt: Date; updatedAt: Date };
  /** The JSON export's fields after `source`. */
  body: Record<string, unknown>;
  /** The same snapshot laid out for people (Markdown, PDF). */
  document(): SnapshotDocument;
}

/** The export file of a snapshot: the JSON document, or the people's document as Markdown or PDF. */
export async function renderSnapshotExport(input: SnapshotExportInput): Promise<string | Buffer> {
  if (input.exportFormat === 'json') {
    const { source } = input;
    const json = {
      format: input.format,
      exportedAt: input.takenAt.toISOString(),
      archive: input.archive,
      source: { ...source, createdAt: source.createdAt.toISOString(), updatedAt: source.updatedAt.toISOString() },
      ...input.body,
    };
    return `${JSON.stringify(json, null, 2)}\n`;
  }
  const doc = input.document();
  return input.exportFormat === 'markdown' ? renderSnapshotMarkdown(doc) : renderSnapshotPdfOnDemand(doc, input.takenAt);
}
