/**
 * Text folded to what a reader sees, for finding look-alikes of a fixed ASCII word: each code point becomes its
 * compatibility decomposition (NFKD, which includes NFKC's compatibility mappings: fullwidth and mathematical
 * letters, ligatures, circled and small forms become plain letters), without combining marks, lower-cased, with
 * Cyrillic, Greek and other letters that look like Latin ones replaced by them, every Unicode dash as `-`, and
 * default-ignorable code points (zero-width spaces and joiners, soft hyphens, bidi controls, variation selectors,
 * tags) dropped. Linear in the text's length.
 */
// Letters that render like Latin ones in common fonts (Unicode's confusables for the lower-case Latin letters,
// restricted to Cyrillic, Greek, Armenian and Latin extensions); upper-case ones are lower-cased first.
const LOOK_ALIKES: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', ԁ: 'd', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c',
  ԛ: 'q', г: 'r', ѕ: 's', т: 't', ц: 'u', ѵ: 'v', ԝ: 'w', х: 'x', у: 'y', ү: 'y', п: 'n', и: 'u', л: 'n', ԃ: 'd',
  // Greek
  α: 'a', β: 'b', δ: 'd', ε: 'e', η: 'n', ι: 'i', ί: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  γ: 'y', ϲ: 'c', ϳ: 'j', ϵ: 'e', ς: 'c', σ: 'o', μ: 'u',
  // Armenian
  ս: 'u', ո: 'n', հ: 'h', օ: 'o', ց: 'g', ք: 'p',
  // Latin extensions and IPA
  ı: 'i', ȷ: 'j', ɑ: 'a', ɡ: 'g', ɩ: 'i', ʋ: 'u', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ɴ: 'n', ᴅ: 'd', ᴇ: 'e', ᴀ: 'a', ᴄ: 'c',
  ᴠ: 'v', ʜ: 'h', ɪ: 'i', ᴏ: 'o', ꭰ: 'd', ℮: 'e', ǝ: 'e', ɾ: 'r', ſ: 's',
};

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const COMBINING = /\p{M}/gu;
const DASH = /^[\p{Pd}\u2212\u2043\ufe63\uff0d]$/u;

// Folds computed once per code point: a table for the Basic Multilingual Plane, a map beyond it.
const bmpFolds: Array<string | undefined> = new Array(0x10000);
const astralFolds = new Map<number, string>();

function foldOf(codePoint: number): string {
  if (codePoint < 0x80) return codePoint >= 0x41 && codePoint <= 0x5a ? String.fromCharCode(codePoint + 0x20) : String.fromCharCode(codePoint);
  if (codePoint < 0x10000) return (bmpFolds[codePoint] ??= foldCodePoint(String.fromCharCode(codePoint)));
  let folded = astralFolds.get(codePoint);
  if (folded === undefined) {
    folded = foldCodePoint(String.fromCodePoint(codePoint));
    // Bounded: a text of every astral code point still costs one entry each.
    if (astralFolds.size < 65_536) astralFolds.set(codePoint, folded);
  }
  return folded;
}

/** One code point as the skeleton spells it ('' when invisible). */
function foldCodePoint(char: string): string {
  if (IGNORABLE.test(char)) return '';
  if (DASH.test(char)) return '-';
  let folded = '';
  for (const c of char.normalize('NFKD').toLowerCase().replace(COMBINING, '')) {
    if (IGNORABLE.test(c)) continue;
    folded += DASH.test(c) ? '-' : (LOOK_ALIKES[c] ?? c);
  }
  return folded;
}

const NON_ASCII_RUN = /[^\x00-\x7f]+/g;

/** The code point at `i` of `text` (a lone surrogate stands for itself). */
function codePointAt(text: string, i: number): number {
  return text.codePointAt(i)!;
}

/** The folded text alone: ASCII runs are only lower-cased, so mostly-ASCII text costs little. */
export function markerSkeleton(text: string): string {
  return text.replace(NON_ASCII_RUN, (run) => {
    const parts: string[] = [];
    for (let i = 0; i < run.length; ) {
      const cp = codePointAt(run, i);
      parts.push(foldOf(cp));
      i += cp > 0xffff ? 2 : 1;
    }
    return parts.join('');
  }).toLowerCase();
}

/**
 * The folded text with, for each of its UTF-16 units, the offset in `text` of the code point it came from (the
 * code point ends at the next code point's offset). Only built for text whose skeleton holds a match.
 */
export function markerSkeletonWithOffsets(text: string): { folded: string; origin: Uint32Array } {
  const parts: string[] = [];
  let origin = new Uint32Array(text.length + 16);
  let length = 0;
  for (let offset = 0; offset < text.length; ) {
    const cp = codePointAt(text, offset);
    const f = foldOf(cp);
    if (length + f.length > origin.length) {
      const grown = new Uint32Array(origin.length * 2 + f.length);
      grown.set(origin);
      origin = grown;
    }
    origin.fill(offset, length, length + f.length);
    length += f.length;
    parts.push(f);
    offset += cp > 0xffff ? 2 : 1;
  }
  return { folded: parts.join(''), origin: origin.subarray(0, length) };
}
