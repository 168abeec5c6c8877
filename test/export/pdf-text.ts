import { inflateSync } from 'node:zlib';

// A reader for the PDFs pdfkit writes, enough to check what a PDF viewer would extract: it walks the objects,
// inflates streams, maps each page's fonts to their ToUnicode CMaps and decodes the glyph ids shown by Tj/TJ.

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

function refOf(dict: string, key: string): number | null {
  const found = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  return found ? Number(found[1]) : null;
}

export interface PdfSummary {
  pageCount: number;
  /** Text of each page, one line per text object. */
  pages: string[];
}

/** Extracts each page's text the way a viewer would, through the fonts' ToUnicode maps. */
export function readPdf(pdf: Buffer): PdfSummary {
  const objects = parseObjects(pdf);
  const cmaps = new Map<number, Map<number, string>>();
  const cmapOfFont = (fontId: number): Map<number, string> => {
    let cmap = cmaps.get(fontId);
    if (!cmap) {
      const toUnicode = refOf(objects.get(fontId)?.dict ?? '', 'ToUnicode');
      const stream = toUnicode === null ? null : objects.get(toUnicode)?.stream;
      cmap = stream ? parseToUnicode(stream.toString('latin1')) : new Map();
      cmaps.set(fontId, cmap);
    }
    return cmap;
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
    let cmap = new Map<number, string>();
    for (const textObject of content.matchAll(/BT\n([\s\S]*?)\nET/g)) {
      let line = '';
      for (const op of (textObject[1] ?? '').matchAll(/\/(\w+) [\d.]+ Tf|\[([^\]]*)\] TJ|<([0-9a-fA-F]*)> Tj/g)) {
        if (op[1] !== undefined) {
          cmap = cmapOfFont(fonts.get(op[1]) ?? -1);
          continue;
        }
        const hexes = op[2] !== undefined ? [...op[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((m) => m[1] ?? '') : [op[3] ?? ''];
        for (const hex of hexes) {
          for (let i = 0; i + 4 <= hex.length; i += 4) line += cmap.get(Number.parseInt(hex.slice(i, i + 4), 16)) ?? '\uFFFD';
        }
      }
      lines.push(line);
    }
    pages.push(lines.join('\n'));
  }
  return { pageCount: pageIds.length, pages };
}
