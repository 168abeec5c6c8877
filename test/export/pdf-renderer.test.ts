import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import type { ChunkSink, ExportMessage } from '../../src/export/export-types.ts';
import { createPdfExport } from '../../src/export/pdf-renderer.ts';
import { footer, header, messages } from './message-fixtures.ts';
import { readPdf } from './pdf-text.ts';

class MemorySink implements ChunkSink {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  async write(chunk: string | Uint8Array): Promise<void> {
    const bytes = Buffer.from(chunk);
    this.chunks.push(bytes);
    this.bytes += bytes.length;
  }
  get pdf(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

async function renderPdf(list: ExportMessage[], head = header): Promise<Buffer> {
  const sink = new MemorySink();
  const pdf = createPdfExport(head, sink);
  for (const message of list) await pdf.addMessage(message);
  await pdf.finish(footer);
  return sink.pdf;
}

function textMessage(i: number, text: string): ExportMessage {
  return {
    id: `m${i}`,
    role: i % 2 === 0 ? 'user' : 'assistant',
    createdAt: new Date(Date.UTC(2025, 5, 12, 10, 0, i)),
    tokens: 10,
    metadata: null,
    parts: [{ type: 'text', text }],
  };
}

describe('PDF export', () => {
  it('is a complete PDF with title, roles, times and every kind of part', async () => {
    const pdf = await renderPdf(messages);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toBe('%%EOF\n');

    const { pages } = readPdf(pdf);
    const text = pages.join('\n');
    expect(pages[0]).toContain('Réunion: élève, garçon, à côté, über, Straße, cœur · page 1');
    expect(text).toContain('Archive: \nQ3 réunions | finance');
    expect(text).toContain('Exported: \n2025-06-12 16:00:00 UTC');
    expect(text).toContain('User\n   2025-06-12 14:03:05 UTC');
    expect(text).toContain('Assistant\n   2025-06-12 14:03:41 UTC');
    expect(text).toContain('130 tokens · gpt-4.1 (openai) · usage 2,052 tokens (1,840 in, 212 out)');
    expect(text).toContain('Summarise the attached report in five bullet points. Merci, très gentil — ça m’aide.');
    expect(text).toContain('Reasoning\nThe user asks about the latest ECB rate decision; I should search the web.');
    expect(text).toContain('Tool webSearch — error');
    expect(text).toContain('error: Request timed out');
    expect(text).toContain('Tool github_search_issues — done');
    expect(text).toContain('Tool createTable — done');
    expect(text).toContain('File: q3-report.pdf (application/pdf)');
    expect(text).toContain('Source: ECB press releases');
    expect(text).toContain('[Unsupported part: data-chart]');
    expect(text).toContain('Summary\nThe user asked for a **summary** of the Q3 report');
    expect(text).toContain('4 messages · 321 tokens');
    expect(text).not.toContain('step-start');
    expect(text).not.toContain('\uFFFD');
    expect(pdf.toString('latin1')).toContain('/URI (https://files.example.com/uploads/7f3a-q3-report.pdf)');
  });

  it('keeps accents extractable and replaces glyphs the font lacks without breaking', async () => {
    const accents = 'é è ê ë ç à â ô ö ü û ß œ æ ø å ñ ğ ł ř ž ő ą ę É È Ç À Œ Ω Ж';
    const pdf = await renderPdf([
      textMessage(0, `Accents: ${accents}`),
      textMessage(1, 'Decomposed: e\u0301le\u0300ve'),
      textMessage(2, 'Party 🎉 family 👨‍👩‍👧 CJK 你好世界 Arabic مرحبا end'),
      textMessage(3, 'control \u0000\u0007 chars and a tab\there'),
    ]);
    const text = readPdf(pdf).pages.join('\n');
    expect(text).toContain(`Accents: ${accents}`);
    expect(text).toContain('Decomposed: élève');
    // Arabic is drawn (shaped, right to left), so it is extracted in visual order.
    expect(text).toMatch(/Party □ family □ CJK □□□□ Arabic +[\u0600-\u06FF]{5} *end/);
    expect(text).toContain('control  chars and a tab    here');
    expect(text).not.toContain('\uFFFD');
  });

  it('draws text the standard fonts can encode with them, and embeds a font only for the pieces that need one', async () => {
    const western = await renderPdf([textMessage(0, 'Élève à côté — “quotes”, œuvre, Straße, 12 € … café'), textMessage(1, 'plain')]);
    const westernSource = western.toString('latin1');
    expect(westernSource).toContain('/BaseFont /Helvetica');
    expect(westernSource).not.toContain('/FontFile2');
    expect(readPdf(western).pages.join('\n')).toContain('Élève à côté — “quotes”, œuvre, Straße, 12 € … café');

    const mixed = await renderPdf([textMessage(0, 'Latin only here'), textMessage(1, 'Ωmega and Жук')]);
    const mixedSource = mixed.toString('latin1');
    expect(mixedSource).toContain('/FontFile2');
    const text = readPdf(mixed).pages.join('\n');
    expect(text).toContain('Latin only here');
    expect(text).toContain('Ωmega and Жук');
  });

  it('wraps standard-font text inside the page, whole words per line, every word kept in order', async () => {
    const words = ['Élève', 'à', 'côté', '—', '“quotes”,', 'œuvre', 'Straße', '12 €', 'café', 'AVATAR', 'pipeline', '(données)', 'back\\slash'];
    const paragraph = Array.from({ length: 1_500 }, (_, i) => words[(i * 7) % words.length]).join(' ');
    const code = 'const rows = await db.query(`select * from t where a < $1`, [42]);';
    const pdf = await renderPdf([textMessage(0, `${paragraph}\n\n\`\`\`ts\n    ${code}\n\`\`\``)]);
    const { pages } = readPdf(pdf);
    expect(pages.length).toBeGreaterThan(1);
    const lines = pages.flatMap((page) => page.split('\n'));
    const first = lines.findIndex((line) => paragraph.startsWith(line) && line.length > 20);
    const drawn: string[] = [];
    for (let index = first; drawn.join(' ').length < paragraph.length; index++) {
      if (/ · page \d+$/.test(lines[index]!)) continue; // the next page's footer comes first in its content
      drawn.push(lines[index]!);
    }
    expect(drawn.join(' ')).toBe(paragraph);
    const measure = new PDFDocument({ autoFirstPage: false }).font('Helvetica').fontSize(10);
    const contentWidth = 595.28 - 56 - 56;
    for (const line of drawn) {
      expect(line).toBe(line.trim());
      expect(measure.widthOfString(line)).toBeLessThanOrEqual(contentWidth);
    }
    // Indentation inside a code block is drawn, not dropped.
    expect(lines).toContain(`    ${code}`);
  });

  it('draws a label in a standard font and a value that needs the embedded one on the same line', async () => {
    const pdf = await renderPdf([textMessage(0, 'plain')], { ...header, archiveName: 'Ωmega archive', threadTitle: 'Жук' });
    const text = readPdf(pdf).pages.join('\n');
    expect(text).toContain('Archive: \nΩmega archive');
    expect(text).toContain('Жук · page 1');
    expect(text).toContain('Thread: \n0e6b9d3a-77c1-4a0f-b2e5-9f1d8c4a6b20');
  });

  it('survives odd messages: no parts, empty text, huge tool output, unbroken long words', async () => {
    const pdf = await renderPdf([
      { ...textMessage(0, ''), parts: null },
      textMessage(1, ''),
      textMessage(2, `word${'x'.repeat(5_000)}`),
      {
        ...textMessage(3, ''),
        parts: [{ type: 'tool-webContent', state: 'output-available', input: { url: 'https://x' }, output: 'y'.repeat(100_000) }],
      },
      { ...textMessage(4, ''), parts: [{ type: 'file', url: 'javascript:alert(1)', filename: 'evil' }] },
    ]);
    const text = readPdf(pdf).pages.join('\n');
    expect(text).toContain('(no content)');
    expect(text).toContain('(truncated: 100,002 characters in total)');
    expect(text).toContain('File: evil');
    expect(pdf.toString('latin1')).not.toContain('javascript:');
  });

  it('paginates a long thread: every page numbered in order, every message present once', async () => {
    const filler = 'Le système a été mis à jour; les élèves ont reçu leurs résultats. '.repeat(5);
    const list = Array.from({ length: 1_200 }, (_, i) => textMessage(i, `Message ${String(i).padStart(4, '0')}: ${filler}`));
    const pdf = await renderPdf(list);
    const { pageCount, pages } = readPdf(pdf);

    expect(pageCount).toBeGreaterThan(100);
    expect(pdf.toString('latin1')).toMatch(new RegExp(`/Type /Pages\\n/Count ${pageCount}\\n`));
    pages.forEach((page, i) => {
      expect(page.split('\n')[0]).toBe(`Réunion: élève, garçon, à côté, über, Straße, cœur · page ${i + 1}`);
    });
    const all = pages.join('\n');
    for (let i = 0; i < list.length; i++) {
      expect(all.split(`Message ${String(i).padStart(4, '0')}:`)).toHaveLength(2);
    }
  });

  it('hands finished pages to the sink while messages are still being added', async () => {
    const sink = new MemorySink();
    const pdf = createPdfExport(header, sink);
    const afterMessages: number[] = [];
    for (let i = 0; i < 600; i++) {
      await pdf.addMessage(textMessage(i, `Message ${i}: ${'Streaming pages as they complete. '.repeat(12)}`));
      if (i % 100 === 99) afterMessages.push(sink.bytes);
    }
    await pdf.finish(footer);
    for (let i = 1; i < afterMessages.length; i++) expect(afterMessages[i]!).toBeGreaterThan(afterMessages[i - 1]!);
    expect(afterMessages.at(-1)!).toBeGreaterThan(sink.bytes * 0.6);
  });
});
