import PDFDocument from 'pdfkit';
import { pdfFonts, type PdfFace } from './pdf-fonts.ts';
import type { SnapshotBlock, SnapshotDocument } from './snapshot-document.ts';

const MARGIN = 56;
const COLORS = { text: '#1a1a1a', muted: '#6b6b6b', rule: '#d4d4d4', heading: '#1d4ed8' };

/**
 * The document as a PDF (A4, embedded DejaVu fonts; characters they lack drawn as a placeholder). Snapshots are
 * small, so the file is built in memory.
 */
export async function renderSnapshotPdf(doc: SnapshotDocument, createdAt: Date): Promise<Buffer> {
  const fonts = pdfFonts();
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    info: { Title: fonts.regular.fit(doc.title), Creator: 'chat-archiver', Producer: 'chat-archiver', CreationDate: createdAt },
  });
  for (const face of Object.keys(fonts) as PdfFace[]) pdf.registerFont(face, fonts[face].data);
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    pdf.on('end', resolve);
    pdf.on('error', reject);
  });
  const width = pdf.page.width - 2 * MARGIN;
  const write = (face: PdfFace, size: number, color: string, text: string, options: PDFKit.Mixins.TextOptions = {}) =>
    pdf.font(face).fontSize(size).fillColor(color).text(fonts[face].fit(text), { width, ...options });

  write('bold', 18, COLORS.text, doc.title);
  write('italic', 9, COLORS.muted, doc.subtitle);
  for (const section of doc.sections) {
    pdf.moveDown(0.8);
    write('bold', 13, COLORS.heading, section.heading);
    pdf.moveDown(0.2);
    for (const b of section.blocks) drawBlock(b);
  }
  pdf.end();
  await ended;
  return Buffer.concat(chunks);

  function drawBlock(b: SnapshotBlock): void {
    switch (b.kind) {
      case 'paragraph':
        write('regular', 10, COLORS.text, b.text);
        break;
      case 'facts':
        for (const [label, value] of b.rows) {
          pdf.font('bold').fontSize(10).fillColor(COLORS.text).text(`${fonts.bold.fit(label)}: `, { width, continued: true });
          pdf.font('regular').text(fonts.regular.fit(value));
        }
        break;
      case 'list':
        if (b.items.length === 0) write('italic', 10, COLORS.muted, 'none');
        for (const item of b.items) write('regular', 10, COLORS.text, `•  ${item}`, { indent: 8 });
        break;
      case 'code':
        write('mono', 8, COLORS.text, b.text);
        break;
      case 'table':
        if (b.rows.length === 0) write('italic', 10, COLORS.muted, 'none');
        else {
          write('bold', 9, COLORS.muted, b.header.join('  ·  '));
          for (const row of b.rows) write('regular', 9, COLORS.text, row.join('  ·  '));
        }
        break;
    }
    pdf.moveDown(0.4);
  }
}
