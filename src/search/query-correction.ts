import { normaliseWord, vocabularyWords } from './message-index-entry.ts';

/**
 * True when the typo-tolerant query would be the query itself: plain words only (no phrase, OR or exclusion, which
 * the corrected query drops), each a vocabulary word whose only look-alike in the user's words is itself. The
 * full-text search that found nothing would then run again, unchanged. Pure.
 */
export function correctsToItself(query: string, similar: ReadonlyMap<string, readonly string[]>): boolean {
  const tokens = query.split(/\s+/).filter((token) => token.length > 0);
  if (tokens.length === 0) return false;
  return tokens.every((token) => {
    if (token.includes('"') || token.startsWith('-') || token.toLowerCase() === 'or') return false;
    const words = vocabularyWords(token);
    if (words.length !== 1 || words[0] !== normaliseWord(token)) return false;
    const lookAlikes = similar.get(words[0]!) ?? [];
    return lookAlikes.length === 1 && lookAlikes[0] === words[0];
  });
}
