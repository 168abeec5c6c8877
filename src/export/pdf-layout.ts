import type { TimeSlice } from '../time-slice.ts';
import { analysisTables, type AnalysisTable } from './analysis-tables.ts';
import { splitCodeBlocks } from './code-blocks.ts';
import { breakLongRuns, pdfTextChunks } from './pdf-text-chunks.ts';
import { breakLines } from './standard-line-breaks.ts';
import { StandardTextPainter } from './standard-text-painter.ts';
import { countOf, describeFacts, formatUtc, jsonPreview, roleLabel, sourceLabel, truncateWithNote } from './display-format.ts';
import type { ExportFooter, ExportHeader, ExportMessage } from './export-types.ts';
import { parseMessageMetadata } from '../chat/message-metadata.ts';
import type { MessagePart } from '../chat/message-part.ts';
import type { PdfFace } from './pdf-fonts.ts';
import { PdfTypefaces, type DrawableText } from './pdf-typefaces.ts';

export const PAGE_MARGIN = { top: 56, bottom: 64, left: 56, right: 56 };
const MAX_TOOL_JSON_CHARS = 1_500;
/** File names, media types and source titles: a label, not content (the JSON export keeps them whole). */
const MAX_LABEL_CHARS = 500;
const MAX_PREVIEW_CHARS = 1_500;
const MAX_ANALYSIS_JSON_CHARS = 20_000;

const COLORS = {
  text: '#1a1a1a',
  muted: '#6b6b6b',
  user: '#1d4ed8',
  assistant: '#047857',
  other: '#7c3aed',
  error: '#b91c1c',
  link: '#1d4ed8',
  rule: '#d4d4d4',
};

interface Style {
  face: PdfFace;
  size: number;
  color: string;
}

const BODY: Style = { face: 'regular', size: 10, color: COLORS.text };
const LABEL: Style = { face: 'bold', size: 8.5, color: COLORS.muted };
const CODE: Style = { face: 'mono', size: 7.5, color: COLORS.muted };
const SOURCE_CODE: Style = { face: 'mono', size: 8, color: COLORS.text };
const MUTED_ITALIC: Style = { face: 'italic', size: 9, color: COLORS.muted };
const LINK_LINE: Style = { face: 'regular', size: 9, color: COLORS.link };
const NOTE_LINE: Style = { face: 'regular', size: 9, color: COLORS.muted };
const PAGE_FOOTER: Style = { face: 'regular', size: 8, color: COLORS.muted };
const HEADING: Style = { face: 'bold', size: 13, color: COLORS.text };
const CODE_TEXT: Style = { face: 'mono', size: 7.5, color: COLORS.text };
const TABLE_TITLE: Style = { face: 'bold', size: 10, color: COLORS.text };
const TABLE_HEAD: Style = { face: 'bold', size: 8.5, color: COLORS.muted };
const TABLE_CELL: Style = { face: 'regular', size: 8.5, color: COLORS.text };

function roleColor(role: string): string {
  if (role === 'user') return COLORS.user;
  if (role === 'assistant') return COLORS.assistant;
  return COLORS.other;
}

/** Drops leading blank lines and trailing white space, in linear time (`/\s+$/` is quadratic on inner runs). */
function withoutBlankEdges(text: string): string {
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '\n') start = index + 1;
    else if (char !== ' ' && char !== '\t') break;
  }
  return text.slice(start).trimEnd();
}

function isWebUrl(url: string | null): url is string {
  return url !== null && /^https?:\/\//i.test(url);
}

type WriteOptions = PDFKit.Mixins.TextOptions & { at?: { x: number; y: number } };

/** Options the direct standard-font flow handles; any other (links, alignment, ellipsis…) goes through pdfkit. */
const FLOW_OPTIONS = new Set(['at', 'width', 'lineGap']);

function flowable(options: WriteOptions): boolean {
  for (const key of Object.keys(options)) if (!FLOW_OPTIONS.has(key)) return false;
  return true;
}

/** A piece of standard-font text and its style, drawn by the flow; pieces of one flow continue each other's line. */
interface FlowRun {
  style: Style;
  text: string;
}

/** Lines laid out between slice checks of long text (a check reads the clock). */
const LINES_PER_SLICE_CHECK = 8;

/**
 * The layout of an export on pdfkit's pages: one method per block of the document (title, message heading, each
 * kind of part, footer), over a few drawing primitives that keep pdfkit's cursor and current style in step.
 */
export class PdfLayout {
  private readonly typefaces: PdfTypefaces;
  private readonly painter: StandardTextPainter;
  private current: { style: Style; font: string } | null = null;
  private pageNumber = 0;

  private readonly doc: PDFKit.PDFDocument;
  private readonly title: string;

  constructor(doc: PDFKit.PDFDocument, title: string) {
    this.doc = doc;
    this.title = title;
    this.typefaces = new PdfTypefaces(doc);
    this.painter = new StandardTextPainter(doc);
    doc.on('pageAdded', () => {
      this.painter.pageBegan();
      this.pageFooter();
    });
  }

  titleBlock(header: ExportHeader): void {
    this.doc.addPage();
    this.write({ face: 'bold', size: 18, color: COLORS.text }, this.title);
    this.gap(6);
    const meta: Array<[string, string]> = [['Archive', header.archiveName]];
    const description = header.archiveDescription?.trim() ?? '';
    if (description !== '') meta.push(['Description', description]);
    meta.push(
      ['Thread', header.threadId],
      ['User', header.userId],
      ['Exported', formatUtc(header.exportedAt)],
      ['Encoding', header.encoding],
    );
    for (const [key, value] of meta) {
      this.writeRuns([
        [{ face: 'bold', size: 9, color: COLORS.muted }, `${key}: `],
        [{ face: 'regular', size: 9, color: COLORS.text }, value],
      ]);
    }
    this.gap(10);
    this.rule();
    this.gap(14);
  }

  messageHeading(message: ExportMessage): void {
    this.keepRoomFor(48);
    this.writeRuns([
      [{ face: 'bold', size: 11, color: roleColor(message.role) }, roleLabel(message.role)],
      [{ face: 'regular', size: 8.5, color: COLORS.muted }, `   ${formatUtc(message.createdAt)}`],
    ]);
    const facts = [countOf(message.tokens, 'token'), describeFacts(parseMessageMetadata(message.metadata))]
      .filter((piece) => piece !== '')
      .join(' · ');
    this.write({ face: 'regular', size: 7.5, color: COLORS.muted }, facts);
    this.gap(4);
  }

  noContent(): void {
    this.write(MUTED_ITALIC, '(no content)');
  }

  messageEnd(): void {
    this.gap(8);
  }

  /** Lays out one part; chat text of any length goes chunk by chunk, pausing whenever `slice` is due. */
  async part(part: MessagePart, slice: TimeSlice): Promise<void> {
    switch (part.kind) {
      case 'text':
        return part.preview ? this.attachmentPreview(part.text) : this.text(part.text, slice);
      case 'reasoning':
        return this.reasoning(part.text, slice);
      case 'step-start':
        return;
      case 'tool':
        return this.tool(part);
      case 'file':
        return this.file(part);
      case 'source':
        return this.source(part);
      case 'unknown':
        return this.unknown(part.type);
    }
  }

  footer(footer: ExportFooter): void {
    this.keepRoomFor(80);
    this.rule();
    this.gap(12);
    this.write(HEADING, 'Summary');
    this.gap(4);
    this.write(BODY, footer.summary.trim() || '(no summary)', { lineGap: 1.5 });
    this.gap(10);
    this.keepRoomFor(40);
    this.write(HEADING, 'Analysis');
    this.gap(4);
    const tables = analysisTables(footer.analysis);
    // Raw JSON only for an analysis this version cannot read; the JSON export keeps it all.
    if (tables === null) this.write(CODE_TEXT, jsonPreview(footer.analysis ?? null, MAX_ANALYSIS_JSON_CHARS));
    else for (const table of tables) this.table(table);
    this.gap(10);
    this.write(NOTE_LINE, `${countOf(footer.messageCount, 'message')} · ${countOf(footer.tokensTotal, 'token')}`);
  }

  /** A table of the analysis: the first column takes what the numeric columns leave; long cells end in an ellipsis. */
  private table(table: AnalysisTable): void {
    const rowHeight = TABLE_CELL.size * 1.6;
    const width = this.contentWidth();
    const numericWidth = Math.min(80, (width * 0.6) / Math.max(1, table.columns.length - 1));
    const widths = table.columns.map((_, index) => (index === 0 ? width - numericWidth * (table.columns.length - 1) : numericWidth));
    const drawRow = (cells: string[], style: Style) => {
      this.keepRoomFor(rowHeight + 2);
      const y = this.doc.y;
      let x = PAGE_MARGIN.left;
      cells.forEach((cell, index) => {
        const cellWidth = widths[index]!;
        this.write(style, cell, { at: { x, y }, width: cellWidth - 4, align: table.align[index] ?? 'left', lineBreak: false, height: rowHeight, ellipsis: true });
        x += cellWidth;
      });
      this.doc.x = PAGE_MARGIN.left;
      this.doc.y = y + rowHeight;
    };
    this.keepRoomFor(rowHeight * 3 + 16);
    this.write(TABLE_TITLE, table.title);
    this.gap(2);
    if (table.columns.some((column) => column !== '')) drawRow(table.columns, TABLE_HEAD);
    this.rule();
    this.gap(2);
    for (const row of table.rows) drawRow(row, TABLE_CELL);
    this.gap(8);
  }

  private attachmentPreview(text: string): void {
    this.write(LABEL, 'Attachment preview');
    this.writeIndented(10, CODE, truncateWithNote(text, MAX_PREVIEW_CHARS));
    this.gap(5);
  }

  private async text(text: string, slice: TimeSlice): Promise<void> {
    for (const block of splitCodeBlocks(text)) {
      const trimmed = withoutBlankEdges(block.text);
      if (trimmed === '') continue;
      if (block.code) {
        this.gap(3);
        await this.writeLong(10, SOURCE_CODE, trimmed, {}, slice);
        this.gap(4);
      } else {
        await this.writeLong(0, BODY, trimmed, { lineGap: 1.5 }, slice);
      }
    }
    this.gap(5);
  }

  private async reasoning(text: string, slice: TimeSlice): Promise<void> {
    this.write(LABEL, 'Reasoning');
    await this.writeLong(10, MUTED_ITALIC, text, { lineGap: 1 }, slice);
    this.gap(5);
  }

  /**
   * Chat text of any length, pausing whenever `slice` is due: in a standard font line by line through the flow;
   * otherwise in chunks through pdfkit (see pdf-text-chunks.ts), where an indented chunk ending inside a line starts a new one.
   */
  private async writeLong(indent: number, style: Style, text: string, options: { lineGap?: number }, slice: TimeSlice): Promise<void> {
    const standard = this.typefaces.standardText(text);
    if (standard !== null) {
      const lines = this.flow([{ style, text: standard }], PAGE_MARGIN.left + indent, this.contentWidth() - indent, options.lineGap ?? 0);
      let count = 0;
      for (const _ of lines) if (++count % LINES_PER_SLICE_CHECK === 0) await slice.yieldIfDue();
      return;
    }
    for (const chunk of pdfTextChunks(text)) {
      const piece = this.typefaces.choose(style.face, chunk.text);
      if (indent === 0) this.drawWithPdfkit(style, piece, { ...options, continued: chunk.continued });
      else {
        this.drawWithPdfkit(style, piece, { at: { x: PAGE_MARGIN.left + indent, y: this.doc.y }, ...options, width: this.contentWidth() - indent });
        this.doc.x = PAGE_MARGIN.left;
      }
      await slice.yieldIfDue();
    }
  }

  private tool(part: Extract<MessagePart, { kind: 'tool' }>): void {
    const outcomeColor = part.status === 'error' ? COLORS.error : COLORS.muted;
    this.write({ ...LABEL, color: outcomeColor }, `Tool ${part.toolName} — ${part.status}`);
    this.writeIndented(10, CODE, `input: ${jsonPreview(part.input ?? null, MAX_TOOL_JSON_CHARS, 0)}`);
    if (part.hasOutput) this.writeIndented(10, CODE, `output: ${jsonPreview(part.output, MAX_TOOL_JSON_CHARS, 0)}`);
    if (part.errorText !== null) {
      this.writeIndented(10, { ...CODE, color: COLORS.error }, `error: ${truncateWithNote(part.errorText, MAX_TOOL_JSON_CHARS)}`);
    }
    this.gap(5);
  }

  private file(part: Extract<MessagePart, { kind: 'file' }>): void {
    const name = truncateWithNote(part.filename ?? part.url ?? 'unnamed file', MAX_LABEL_CHARS);
    const type = part.mediaType !== null ? ` (${truncateWithNote(part.mediaType, MAX_LABEL_CHARS)})` : '';
    this.linkLine(`File: ${name}${type}`, part.url);
  }

  private source(part: Extract<MessagePart, { kind: 'source' }>): void {
    this.linkLine(`${sourceLabel(part.type)}: ${truncateWithNote(part.title ?? part.url ?? '', MAX_LABEL_CHARS)}`, part.url);
  }

  private unknown(type: string): void {
    this.write({ face: 'italic', size: 8.5, color: COLORS.muted }, `[Unsupported part: ${type}]`);
    this.gap(4);
  }

  /** A line that links to `url` when it is a web address (never javascript: or data: URLs). */
  private linkLine(text: string, url: string | null): void {
    if (isWebUrl(url)) this.write(LINK_LINE, text, { link: url, underline: true });
    else this.write(NOTE_LINE, text);
    this.gap(4);
  }

  // Runs inside pdfkit's own line flow when text spills onto a new page, so it must leave font, colour and cursor
  // exactly as it found them; lineBreak:false keeps the footer from triggering a page break of its own.
  private pageFooter(): void {
    this.pageNumber += 1;
    const resume = this.current;
    const { x, y } = this.doc;
    this.write(PAGE_FOOTER, `${this.title} · page ${this.pageNumber}`, {
      at: { x: PAGE_MARGIN.left, y: this.doc.page.height - PAGE_MARGIN.bottom + 24 },
      align: 'center',
      lineBreak: false,
      height: 12,
      ellipsis: true,
    });
    if (resume) this.apply(resume.style, resume.font);
    this.doc.x = x;
    this.doc.y = y;
  }

  private contentWidth(): number {
    return this.doc.page.width - PAGE_MARGIN.left - PAGE_MARGIN.right;
  }

  private apply(style: Style, font: string): void {
    this.current = { style, font };
    this.typefaces.activate(font);
    this.doc.fontSize(style.size).fillColor(style.color);
    this.painter.forgetFill();
  }

  private write(style: Style, raw: string, options: WriteOptions = {}): void {
    const drawable = this.typefaces.choose(style.face, raw);
    if (drawable.standard && flowable(options)) {
      if (options.at) this.doc.y = options.at.y;
      const x = options.at?.x ?? this.doc.x;
      for (const _ of this.flow([{ style, text: drawable.text }], x, options.width ?? this.contentWidth(), options.lineGap ?? 0));
      return;
    }
    this.drawWithPdfkit(style, drawable, options);
  }

  /** Pieces of text on one line, each continuing the line of the one before (a label and its value). */
  private writeRuns(runs: ReadonlyArray<readonly [Style, string]>): void {
    const drawables = runs.map(([style, raw]) => [style, this.typefaces.choose(style.face, raw)] as const);
    if (drawables.every(([, drawable]) => drawable.standard)) {
      for (const _ of this.flow(drawables.map(([style, drawable]) => ({ style, text: drawable.text })), this.doc.x, this.contentWidth(), 0));
      return;
    }
    drawables.forEach(([style, drawable], index) => this.drawWithPdfkit(style, drawable, { continued: index < drawables.length - 1 }));
  }

  private drawWithPdfkit(style: Style, drawable: DrawableText, options: WriteOptions): void {
    const { at, ...textOptions } = options;
    // Every string, not only chat text: JSON previews, file names and titles can be one long word too.
    const text = drawable.standard ? breakLongRuns(drawable.text) : drawable.text;
    this.apply(style, drawable.font);
    if (at) this.doc.text(text, at.x, at.y, { width: this.contentWidth(), ...textOptions });
    else this.doc.text(text, { width: this.contentWidth(), ...textOptions });
  }

  /**
   * Lays out and draws standard-font runs from the cursor, one line per step (so long text can pause between lines),
   * the way pdfkit's own wrapping places them: a line's top at the cursor, the cursor down by the line height plus
   * `lineGap` after each line, a new page when the next line would cross the bottom margin, a run continuing the line
   * where the run before it ended. Leaves the cursor below the last line.
   */
  private *flow(runs: readonly FlowRun[], x: number, width: number, lineGap: number): Generator<void> {
    const maxY = () => this.doc.page.height - PAGE_MARGIN.bottom;
    let continuedX = 0;
    let drawnLineHeight = 0;
    try {
      for (const [index, { style, text }] of runs.entries()) {
        if (text === '') continue;
        const pen = this.painter.pen(this.typefaces.standardName(style.face), style.size, style.color);
        const fontLineHeight = pen.face.lineHeight(style.size);
        if (index === 0 && (this.doc.y > maxY() || this.doc.y + fontLineHeight > maxY())) this.newPage();
        const perPoint = 1000 / style.size;
        const paragraphs = text.split('\n');
        if (paragraphs.length > 1 && paragraphs.at(-1) === '') paragraphs.pop();
        let first = true;
        let lastWidth = 0;
        for (const paragraph of paragraphs) {
          const firstRoom = first ? width - continuedX : width;
          for (const line of breakLines(paragraph, pen.face.metrics, firstRoom * perPoint, width * perPoint)) {
            if (!first) {
              this.doc.y += drawnLineHeight;
              continuedX = 0;
              if (this.doc.y + fontLineHeight > maxY()) this.newPage();
            }
            first = false;
            drawnLineHeight = fontLineHeight + lineGap;
            this.painter.line(pen, x + continuedX, this.doc.y, paragraph, line.start, line.end);
            lastWidth = line.width / perPoint;
            yield;
          }
        }
        continuedX += lastWidth;
      }
      this.doc.y += drawnLineHeight;
    } finally {
      this.painter.flush();
    }
  }

  /** A page break inside a flow: the lines drawn so far belong to the page that ends. */
  private newPage(): void {
    this.painter.flush();
    this.doc.addPage();
  }

  private writeIndented(indent: number, style: Style, raw: string, options: WriteOptions = {}): void {
    this.write(style, raw, { at: { x: PAGE_MARGIN.left + indent, y: this.doc.y }, ...options, width: this.contentWidth() - indent });
    this.doc.x = PAGE_MARGIN.left;
  }

  private keepRoomFor(height: number): void {
    if (this.doc.y + height > this.doc.page.height - PAGE_MARGIN.bottom) this.doc.addPage();
  }

  private gap(points: number): void {
    this.doc.y += points;
  }

  private rule(): void {
    this.doc
      .moveTo(PAGE_MARGIN.left, this.doc.y)
      .lineTo(this.doc.page.width - PAGE_MARGIN.right, this.doc.y)
      .lineWidth(0.5)
      .strokeColor(COLORS.rule)
      .stroke();
  }
}
