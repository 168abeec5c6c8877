import { countEventLoopTurns } from '../support/event-loop-turns.ts';
import { describe, expect, it } from 'vitest';
import type { ExportMessage } from '../../src/export/export-types.ts';
import { createPdfExport } from '../../src/export/pdf-renderer.ts';
import { TimeSlice } from '../../src/time-slice.ts';
import { footer, header } from './message-fixtures.ts';
import { readPdf } from './pdf-text.ts';

// pdfkit broke an over-long word by measuring ever longer prefixes: 16,000 characters without a break took 9 s and
// 64,000 ran out of a 4 GB heap. The renderer now breaks such runs and lays text out chunk by chunk.
describe('PDF export of very long text', () => {
  it('lays out a 200,000-character word, a long inner run of white space and huge labels, pausing meanwhile', async () => {
    const chunks: Buffer[] = [];
    // A slice that is always due: the test shows that layout of one long text checks it, on a fast machine too (with
    // the default 20 ms budget a quick run can finish between two checks).
    const pdf = createPdfExport(header, { write: async (chunk) => void chunks.push(Buffer.from(chunk)) }, new TimeSlice(0));
    const message: ExportMessage = {
      id: 'm1',
      role: 'user',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      tokens: 1,
      metadata: null,
      parts: [
        { type: 'text', text: `start${'x'.repeat(200_000)} middle${' '.repeat(100_000)}end` },
        // Labels are one long word too: a 64,000-character file name alone held the event loop for seconds.
        { type: 'file', url: `https://example.com/${'('.repeat(64_000)}`, mediaType: 'text/plain', filename: ']'.repeat(64_000) },
        { type: 'source-url', url: 'https://example.com/', title: '!['.repeat(64_000) },
      ],
    };
    const turns = countEventLoopTurns();
    await pdf.addMessage(message);
    await pdf.finish(footer);
    const text = readPdf(Buffer.concat(chunks)).pages.join('\n');
    expect(text).toContain('start');
    expect(text).toContain('end');
    expect(turns.stop()).toBeGreaterThan(1);
  }, 60_000);
});
