import { inflateSync } from 'node:zlib';

// A reader for the PDFs pdfkit writes, enough to check what a PDF viewer would extract: it walks the objects,
// inflates streams, maps each page's fonts to their ToUnicode CMaps (embedded fonts) or to WinAnsiEncoding (standard
// fonts) and decodes the codes shown by Tj/TJ.

interface PdfObject {
  dict: string;
  stream: Buffer | null;
}

function parseObjects(pdf: Buffer): Map<number, PdfObject> {
  const source = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const header = /(\d+) 0 obj\n/g;
  let match: RegExpExecArray | null;
  while ((match = header.exec(source)) !== null) {
    const start = match.index + match[0].length;
    const end = source.indexOf('\nendobj', start);
    const streamAt = source.indexOf('\nstream\n', start);
    if (streamAt !== -1 && (end === -1 || streamAt < end)) {
      const dict = source.slice(start, streamAt);
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const dataStart = streamAt + '\nstream\n'.length;
      const raw = pdf.subarray(dataStart, dataStart + length);
      objects.set(Number(match[1]), { dict, stream: dict.includes('/FlateDecode') ? inflateSync(raw) : raw });
      header.lastIndex = dataStart + length;
    } else {
      objects.set(Number(match[1]), { dict: source.slice(start, end), stream: null });
      header.lastIndex = end;
    }
  }
  return objects;
}

function utf16beHex(hex: string): string {
  const units: number[] = [];
  for (let i = 0; i + 4 <= hex.length; i += 4) units.push(Number.parseInt(hex.slice(i, i + 4), 16));
  return String.fromCharCode(...units);
}

function parseToUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of cmap.matchAll(/beginbfrange\n([\s\S]*?)endbfrange/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const range = /^<([0-9a-fA-F]+)> <([0-9a-fA-F]+)> (.*)$/.exec(line.trim());
      if (!range) continue;
      const first = Number.parseInt(range[1] ?? '', 16);
      const last = Number.parseInt(range[2] ?? '', 16);
      const target = range[3] ?? '';
      if (target.startsWith('[')) {
        // A glyph for several characters (a ligature) maps to space-separated units: <0066 0069>.
        const values = [...target.matchAll(/<([0-9a-fA-F ]*)>/g)].map((m) => utf16beHex((m[1] ?? '').replaceAll(' ', '')));
        values.forEach((value, i) => map.set(first + i, value));
      } else {
        const base = Number.parseInt(target.replace(/[<>]/g, ''), 16);
        for (let code = first; code <= last; code++) map.set(code, String.fromCharCode(base + code - first));
      }
    }
  }
  for (const block of cmap.matchAll(/beginbfchar\n([\s\S]*?)endbfchar/g)) {
    for (const pair of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)> <([0-9a-fA-F ]+)>/g)) {
      map.set(Number.parseInt(pair[1] ?? '', 16), utf16beHex((pair[2] ?? '').replaceAll(' ', '')));
    }
  }
  return map;
}

// WinAnsiEncoding's bytes 0x80–0x9F (the rest of its bytes are Latin-1).
const WIN_ANSI_HIGH: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x2c6,
  0x89: 0x2030, 0x8a: 0x160, 0x8b: 0x2039, 0x8c: 0x152, 0x8e: 0x17d, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201c,
  0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x2dc, 0x99: 0x2122, 0x9a: 0x161, 0x9b: 0x203a,
  0x9c: 0x153, 0x9e: 0x17e, 0x9f: 0x178,
};

/** A font's codes → text: the ToUnicode map of an embedded font, WinAnsi bytes for a standard (Type1) font. */
interface FontDecoder {
  codeHexDigits: number;
  map: Map<number, string>;
}

function winAnsiDecoder(): FontDecoder {
  const map = new Map<number, string>();
  for (let code = 0x20; code <= 0xff; code++) {
    if (code >= 0x7f && code < 0xa0) {
      const unicode = WIN_ANSI_HIGH[code];
      if (unicode !== undefined) map.set(code, String.fromCharCode(unicode));
    } else {
      map.set(code, String.fromCharCode(code));
    }
  }
  return { codeHexDigits: 2, map };
}

function refOf(dict: string, key: string): number | null {
  const found = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  return found ? Number(found[1]) : null;
}

type TextToken = { kind: 'font'; name: string } | { kind: 'hex'; hex: string } | { kind: 'literal'; bytes: string };

const LITERAL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };

/** A literal string `( … )` from `start` (its opening parenthesis): its bytes and the index after it. */
function readLiteral(content: string, start: number): { bytes: string; next: number } {
  let bytes = '';
  let depth = 1;
  let index = start + 1;
  while (index < content.length) {
    const char = content[index]!;
    if (char === '\\') {
      const escaped = content[index + 1] ?? '';
      const octal = /^[0-7]{1,3}/.exec(content.slice(index + 1, index + 4))?.[0];
      if (octal) {
        bytes += String.fromCharCode(Number.parseInt(octal, 8));
        index += 1 + octal.length;
      } else {
        bytes += LITERAL_ESCAPES[escaped] ?? escaped;
        index += 2;
      }
      continue;
    }
    if (char === '(') depth++;
    if (char === ')' && --depth === 0) return { bytes, next: index + 1 };
    bytes += char;
    index++;
  }
  throw new Error('unterminated literal string in a content stream');
}

/** The text objects (BT … ET) of a page's content: their font selections and shown strings, in order. */
function textObjects(content: string): TextToken[][] {
  const objects: TextToken[][] = [];
  let current: TextToken[] | null = null;
  let index = 0;
  while (index < content.length) {
    const char = content[index]!;
    if (char === '(') {
      const { bytes, next } = readLiteral(content, index);
      current?.push({ kind: 'literal', bytes });
      index = next;
      continue;
    }
    if (char === '<' && content[index + 1] !== '<') {
      const end = content.indexOf('>', index);
      current?.push({ kind: 'hex', hex: content.slice(index + 1, end) });
      index = end + 1;
      continue;
    }
    const word = /^[A-Za-z*'"]+|^\/\w+ [\d.]+ Tf/.exec(content.slice(index, index + 40))?.[0];
    if (word === undefined) {
      index++;
      continue;
    }
    if (word === 'BT') current = [];
    else if (word === 'ET' && current) {
      objects.push(current);
      current = null;
    } else if (word.endsWith(' Tf')) current?.push({ kind: 'font', name: word.slice(1, word.indexOf(' ')) });
    index += word.length;
  }
  return objects;
}

export interface PdfSummary {
  pageCount: number;
  /** Text of each page, one line per text object. */
  pages: string[];
}

/** Extracts each page's text the way a viewer would, through the fonts' ToUnicode maps. */
export function readPdf(pdf: Buffer): PdfSummary {
  const objects = parseObjects(pdf);
  const decoders = new Map<number, FontDecoder>();
  const decoderOfFont = (fontId: number): FontDecoder => {
    let decoder = decoders.get(fontId);
    if (!decoder) {
      const dict = objects.get(fontId)?.dict ?? '';
      const toUnicode = refOf(dict, 'ToUnicode');
      const stream = toUnicode === null ? null : objects.get(toUnicode)?.stream;
      if (stream) decoder = { codeHexDigits: 4, map: parseToUnicode(stream.toString('latin1')) };
      else if (dict.includes('/Encoding /WinAnsiEncoding')) decoder = winAnsiDecoder();
      else decoder = { codeHexDigits: 4, map: new Map() };
      decoders.set(fontId, decoder);
    }
    return decoder;
  };

  const pages: string[] = [];
  const pageIds = [...objects.entries()]
    .filter(([, object]) => /\/Type \/Page\n/.test(object.dict))
    .map(([id]) => id);
  for (const pageId of pageIds) {
    const page = objects.get(pageId)?.dict ?? '';
    const resources = objects.get(refOf(page, 'Resources') ?? -1)?.dict ?? '';
    const fonts = new Map<string, number>();
    const fontDict = /\/Font <<([\s\S]*?)>>/.exec(resources)?.[1] ?? '';
    for (const entry of fontDict.matchAll(/\/(\w+) (\d+) 0 R/g)) fonts.set(entry[1] ?? '', Number(entry[2]));
    const content = objects.get(refOf(page, 'Contents') ?? -1)?.stream?.toString('latin1') ?? '';

    const lines: string[] = [];
    let decoder: FontDecoder = { codeHexDigits: 4, map: new Map() };
    for (const textObject of textObjects(content)) {
      let line = '';
      for (const token of textObject) {
        if (token.kind === 'font') {
          decoder = decoderOfFont(fonts.get(token.name) ?? -1);
          continue;
        }
        const step = token.kind === 'hex' ? decoder.codeHexDigits : 2;
        const hex = token.kind === 'hex' ? token.hex : Buffer.from(token.bytes, 'latin1').toString('hex');
        for (let i = 0; i + step <= hex.length; i += step) line += decoder.map.get(Number.parseInt(hex.slice(i, i + step), 16)) ?? '\uFFFD';
      }
      lines.push(line);
    }
    pages.push(lines.join('\n'));
  }
  return { pageCount: pageIds.length, pages };
}
