import type { SnapshotDocument } from './snapshot-document.ts';

/** renderSnapshotPdf, with pdfkit and the fonts loaded on the first PDF snapshot rather than with the worker. */
export async function renderSnapshotPdfOnDemand(doc: SnapshotDocument, createdAt: Date): Promise<Buffer> {
  return (await import('./snapshot-pdf.ts')).renderSnapshotPdf(doc, createdAt);
}
