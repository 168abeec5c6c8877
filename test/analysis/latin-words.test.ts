import { describe, expect, it } from 'vitest';
import { latinWordsWithLetters } from '../../src/analysis/latin-words.ts';
import { createRandom } from '../../src/demo/demo-data.ts';

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
const letter = /\p{L}/u;
const byIntl = (text: string) =>
  [...segmenter.segment(text)].filter((s) => s.isWordLike && letter.test(s.segment)).map((s) => s.segment);

describe('latin words', () => {
  it('cuts words as Intl.Segmenter does, on the cases its rules are about', () => {
    const cases = [
      "don't stop, e.g. U.S.A. or 3.14 and 1,000,000; v1.2.3 at 12:30",
      'foo_bar _x x_ __init__ a_1 1_a self-driving co-op',
      'l’été, c’est l‘hiver qu’il faut; Ça va? naïve façade — Straße µs ªº',
      'a:b a::b :a a: 3:4 a.b. .a 1.a a.1 1..2 1,a a,1 1;2 a;b',
      "it's 'quoted' \"double\" x'y 1'2 ’tis rock’n’roll",
      'line\r\nbreak\rcarriage\nfeed\u000bvertical\u000cform\u0085next  two   spaces\ttab\u00a0nbsp',
      '× ÷ ¿¡ «guillemets» “double” – en — em… §1 ©2026 ½ ±3 ¹²³ 5€ €5',
      '',
      '...',
    ];
    for (const text of cases) expect(latinWordsWithLetters(text), JSON.stringify(text)).toEqual(byIntl(text));
  });

  it('cuts words as Intl.Segmenter does on random strings of the characters it handles', () => {
    const alphabet = [..."aZé0_.,;:'\"’‘“”–—…€·- \t\n\r\u000b\u0085\u00a0ß×!(/"];
    const next = createRandom(20261207); // deterministic: a failure names a string that fails again
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const length = 1 + Math.floor(next() * 14);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      expect(latinWordsWithLetters(text), JSON.stringify(text)).toEqual(byIntl(text));
    }
  });

  it('leaves any other text to Intl.Segmenter', () => {
    for (const text of ['日本語のテキスト', 'emoji 😀 here', 'soft\u00adhyphen', 'Ελληνικά', 'marked \uE002 elision', 'a\u0301 combining']) {
      expect(latinWordsWithLetters(text)).toBeUndefined();
    }
  });
});
