import { englishStopwords, frenchStopwords } from './stopwords.ts';

// A cheap language guess for a whole conversation, fed message by message in constant memory: count
// letters per script (enough for CJK, Cyrillic, Arabic...), and, for Latin text, count function words
// that belong to one language only. English and French are what the app's users write most; a few
// markers for Spanish, German, Italian and Portuguese keep those from being taken for French.

export interface LanguageGuess {
  /** BCP 47 primary language subtag, or `und` when the text does not say. */
  readonly language: string;
  /** ISO 15924 code of the dominant script, or `Zyyy` when there are no letters. */
  readonly script: string;
  /** Share (0..1) of the evidence that points to the guess: letters of the script, or marker words. */
  readonly confidence: number;
}

const SAMPLE_CHARS_PER_MESSAGE = 2_000;
const SAMPLE_CHARS_TOTAL = 400_000;
const MIN_MARKER_WORDS = 5;
const MIN_MARKER_SHARE = 0.6;

type Script = 'Latn' | 'Cyrl' | 'Grek' | 'Arab' | 'Hebr' | 'Deva' | 'Thai' | 'Hang' | 'Kana' | 'Hani';

const scriptLanguage: Readonly<Record<Exclude<Script, 'Latn' | 'Kana' | 'Hani'>, string>> = {
  Cyrl: 'ru',
  Grek: 'el',
  Arab: 'ar',
  Hebr: 'he',
  Deva: 'hi',
  Thai: 'th',
  Hang: 'ko',
};

const otherLatinMarkers: Readonly<Record<string, string>> = {
  es: 'el los las del por para con una es está pero muy también qué cuando porque hay esto de la en que se un no',
  de: 'der die das und ist nicht ich sie wir mit auf für ein eine den dem zu von sich auch',
  it: 'di che non per della gli sono questo anche come più ho hai essere nel alla il la un in',
  pt: 'não uma para com os do da em você também muito mas isso são está de que se um',
};

const markers = exclusiveMarkers({
  en: [...englishStopwords],
  fr: [...frenchStopwords],
  ...Object.fromEntries(Object.entries(otherLatinMarkers).map(([code, words]) => [code, words.split(' ')])),
});

const latinWord = /[\p{Script=Latin}'’]+/gu;
const frenchElision = /^(?:c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu)'\p{L}/u;

export class LanguageTally {
  readonly #letters = new Map<Script, number>();
  readonly #markerHits = new Map<string, number>();
  #sampledChars = 0;

  add(text: string): void {
    if (this.#sampledChars >= SAMPLE_CHARS_TOTAL) return;
    const sample = text.slice(0, Math.min(SAMPLE_CHARS_PER_MESSAGE, SAMPLE_CHARS_TOTAL - this.#sampledChars));
    this.#sampledChars += sample.length;
    for (let index = 0; index < sample.length; index++) {
      const script = scriptOf(sample.charCodeAt(index));
      if (script !== null) this.#letters.set(script, (this.#letters.get(script) ?? 0) + 1);
    }
    for (const word of sample.toLowerCase().match(latinWord) ?? []) {
      const normalised = word.replace(/’/g, "'");
      const language = markers.get(normalised) ?? (frenchElision.test(normalised) ? 'fr' : undefined);
      if (language !== undefined) this.#markerHits.set(language, (this.#markerHits.get(language) ?? 0) + 1);
    }
  }

  guess(): LanguageGuess {
    const [script, letters] = largest(this.#letters);
    const totalLetters = sum(this.#letters);
    if (script === undefined || totalLetters === 0) return { language: 'und', script: 'Zyyy', confidence: 0 };
    const scriptShare = letters / totalLetters;
    if (script === 'Latn') return this.#latinGuess();
    if (script === 'Kana' || script === 'Hani') {
      // Japanese mixes kanji and kana; Chinese has no kana.
      const kana = this.#letters.get('Kana') ?? 0;
      const han = this.#letters.get('Hani') ?? 0;
      const japanese = kana > 0 && kana >= 0.1 * (kana + han);
      return {
        language: japanese ? 'ja' : 'zh',
        script: japanese ? 'Jpan' : 'Hani',
        confidence: rounded((kana + han) / totalLetters),
      };
    }
    return { language: scriptLanguage[script], script, confidence: rounded(scriptShare) };
  }

  #latinGuess(): LanguageGuess {
    const [language, hits] = largest(this.#markerHits);
    const totalHits = sum(this.#markerHits);
    if (language === undefined || totalHits < MIN_MARKER_WORDS || hits / totalHits < MIN_MARKER_SHARE) {
      return { language: 'und', script: 'Latn', confidence: 0 };
    }
    return { language, script: 'Latn', confidence: rounded(hits / totalHits) };
  }
}

/**
 * Words that mark exactly one language (a word listed under two languages marks neither). Lone ASCII
 * letters other than English "I" are left out: French c, d, l... only count as elisions, and a lone
 * letter is as often a unit ("21 °C") or a label ("option b").
 */
function exclusiveMarkers(lists: Readonly<Record<string, readonly string[]>>): ReadonlyMap<string, string> {
  const owners = new Map<string, string | null>();
  for (const [language, words] of Object.entries(lists)) {
    for (const word of words) {
      if (/^[a-z]$/.test(word) && word !== 'i') continue;
      const owner = owners.get(word);
      owners.set(word, owner === undefined || owner === language ? language : null);
    }
  }
  const result = new Map<string, string>();
  for (const [word, owner] of owners) if (owner !== null) result.set(word, owner);
  return result;
}

function scriptOf(code: number): Script | null {
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return 'Latn';
  if (code < 0xc0) return null;
  if (code <= 0x24f) return code === 0xd7 || code === 0xf7 ? null : 'Latn';
  if (code >= 0x1e00 && code <= 0x1eff) return 'Latn';
  if (code >= 0x370 && code <= 0x3ff) return 'Grek';
  if (code >= 0x400 && code <= 0x52f) return 'Cyrl';
  if (code >= 0x591 && code <= 0x5f4) return 'Hebr';
  if ((code >= 0x600 && code <= 0x6ff) || (code >= 0x750 && code <= 0x77f) || (code >= 0x8a0 && code <= 0x8ff)) {
    return 'Arab';
  }
  if ((code >= 0xfb50 && code <= 0xfdff) || (code >= 0xfe70 && code <= 0xfeff)) return 'Arab';
  if (code >= 0x900 && code <= 0x97f) return 'Deva';
  if (code >= 0xe00 && code <= 0xe7f) return 'Thai';
  if ((code >= 0x1100 && code <= 0x11ff) || (code >= 0x3130 && code <= 0x318f) || (code >= 0xac00 && code <= 0xd7af)) {
    return 'Hang';
  }
  if (code >= 0x3040 && code <= 0x30ff) return 'Kana';
  if ((code >= 0x3400 && code <= 0x4dbf) || (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff)) {
    return 'Hani';
  }
  return null;
}

function largest<K>(counts: ReadonlyMap<K, number>): [K | undefined, number] {
  let best: K | undefined;
  let bestCount = 0;
  for (const [key, value] of counts) {
    if (value > bestCount) {
      best = key;
      bestCount = value;
    }
  }
  return [best, bestCount];
}

function sum(counts: ReadonlyMap<unknown, number>): number {
  let total = 0;
  for (const value of counts.values()) total += value;
  return total;
}

function rounded(share: number): number {
  return Math.round(share * 1000) / 1000;
}
