import { describe, it, expect } from 'vitest';
import { cleanProse, forEachSentence, looksLikeProse, type ProseSentence } from '../../src/analysis/prose-text.ts';

function sentences(text: string): ProseSentence[] {
  const found: ProseSentence[] = [];
  forEachSentence(cleanProse(text), (sentence) => {
    found.push(sentence);
  });
  return found;
}

describe('cleanProse and forEachSentence', () => {
  it('drops fenced code, closed or not, with backticks or tildes', () => {
    const text = [
      'Before the code.',
      '```ts',
      'const secret = compute();',
      '```',
      'Between the blocks.',
      '~~~',
      'tilde_block();',
      '~~~',
      'After the blocks.',
      '```python',
      'unfinished_stream = True',
    ].join('\n');
    expect(sentences(text).map((sentence) => sentence.text)).toEqual([
      'Before the code.',
      'Between the blocks.',
      'After the blocks.',
    ]);
  });

  it('drops URLs, images and long inline code, marking the sentence as elided', () => {
    const [withUrl, withLink, withImage, withLongCode] = sentences(
      [
        'The guide at https://example.com/a/b?c=1 explains it.',
        'Read [the migration guide](https://example.com/guide) first.',
        'Here is the chart ![chart](https://example.com/c.png) for you.',
        'Then call `buildTheWholeArchiveFromScratch({ force: true, verbose: true })` once.',
      ].join('\n'),
    );
    expect(withUrl).toMatchObject({ text: 'The guide at explains it.', elided: true });
    expect(withLink).toMatchObject({ text: 'Read the migration guide first.', elided: false });
    expect(withImage).toMatchObject({ text: 'Here is the chart for you.', elided: true });
    expect(withLongCode).toMatchObject({ text: 'Then call once.', elided: true });
  });

  it('keeps short inline code readable but out of the terms', () => {
    const [sentence] = sentences('Run `npm ci` before the tests.');
    expect(sentence).toMatchObject({ text: 'Run npm ci before the tests.', elided: false });
    expect(sentence!.terms).toEqual(['run', 'tests']);
  });

  it('strips Markdown headings, lists, quotes, emphasis, tables and rules', () => {
    const text = [
      '## Results of the run',
      '- **first** item done',
      '2. second item done',
      '> quoted remark here',
      '| col | col |',
      '|-----|-----|',
      '---',
      '<b>bold</b> words stay',
    ].join('\n');
    expect(sentences(text).map((sentence) => sentence.text)).toEqual([
      'Results of the run',
      'first item done',
      'second item done',
      'quoted remark here',
      'bold words stay',
    ]);
  });

  it('splits French elisions and drops English and French stopwords and numbers', () => {
    const [french] = sentences("L'hôtel d’Annecy n'est pas cher en 2025.");
    expect(french!.terms).toEqual(['hôtel', 'annecy', 'cher']);
    const [english] = sentences("It's the 3rd time the export didn't work.");
    expect(english!.terms).toEqual(['3rd', 'time', 'export', 'work']);
  });

  it('gives offsets into the cleaned text and can start later', () => {
    const cleaned = cleanProse('First sentence here. Second sentence there.');
    const offsets: number[] = [];
    forEachSentence(cleaned, (sentence) => {
      offsets.push(sentence.offset);
    });
    expect(offsets).toEqual([0, 21]);
    const later: string[] = [];
    forEachSentence(cleaned, (sentence) => {
      later.push(sentence.text);
    }, 21);
    expect(later).toEqual(['Second sentence there.']);
  });

  it('stops when the visitor says so', () => {
    let visited = 0;
    forEachSentence('One. Two. Three.', () => {
      visited++;
      return visited < 2;
    });
    expect(visited).toBe(2);
  });

  it('cuts run-on sentences to 1,000 characters', () => {
    const [sentence] = sentences('word '.repeat(5_000));
    expect(sentence!.text.length).toBeLessThanOrEqual(1_000);
  });
});

describe('looksLikeProse', () => {
  it('accepts sentences and rejects code, data and blobs', () => {
    expect(looksLikeProse('I found two matching issues: #14 and #9.')).toBe(true);
    expect(looksLikeProse('const x = require("y");')).toBe(false);
    expect(looksLikeProse('{"a": 1, "b": [2, 3]}')).toBe(false);
    expect(looksLikeProse('12 34 56 78 = 90')).toBe(false);
    expect(looksLikeProse(`Here it is ${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo'.repeat(3)} done`)).toBe(false);
    expect(looksLikeProse('')).toBe(false);
  });
});

// The old link, image, inline-code and emphasis patterns backtracked quadratically: 40,000 `[` took 0.9 s and a
// megabyte about ten minutes. Each of these runs now costs a few tens of milliseconds (bench/long-messages.ts).
describe('cleanProse on pathological runs', () => {
  it.each([
    ['[', '['.repeat(1 << 20)],
    ['![', '!['.repeat(1 << 19)],
    ['[a](', '[a]('.repeat(1 << 18)],
    ['`', '`'.repeat(1 << 20)],
    ['<a', '<a'.repeat(1 << 19)],
    ['**a ', '**a '.repeat(1 << 16)],
    ['http://', 'http://'.repeat(1 << 17)],
  ])('cleans a megabyte of %s', (_label, text) => {
    const cleaned = cleanProse(text);
    expect(cleaned.length).toBeLessThanOrEqual(text.length);
  }, 20_000);

  it('still reads links, images, inline code and emphasis', () => {
    expect(cleanProse('See [the docs](https://x.io/a) and ![chart](c.png), run `npm ci` **now**.')).toBe(
      'See the docs and \uE002, run \uE000npm ci\uE001 now.',
    );
  });
});
