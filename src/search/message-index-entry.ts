import { LanguageTally } from '../analysis/language-guess.ts';
import { parseMessageMetadata } from '../chat/message-metadata.ts';
import { extractMessageContent } from '../chat/message-content.ts';
import { capBody, type SearchLanguage } from '../sql/search-documents.ts';

/** One chat message as the index pass reads it, with the owner and title of its thread. */
export interface IndexableMessage {
  id: string;
  threadId: string;
  userId: string;
  threadTitle: string;
  role: string;
  parts: unknown;
  metadata: unknown;
  /** created_at as PostgreSQL prints it: a JS Date would drop the microseconds the watermark compares. */
  createdAt: string;
  /** md5 of the parts' text, hex. */
  partsHash: string;
}

export interface MessageIndexEntry {
  messageId: string;
  threadId: string;
  userId: string;
  role: string;
  createdAt: string;
  model: string | null;
  agentId: string | null;
  /** The text search configuration(s) of the document: `simple` means both English and French. */
  language: SearchLanguage;
  partsHash: string;
  text: string;
  /** Distinct normalised words of the text, for typo-tolerant matching of rare words. */
  words: string[];
}

/**
 * What the index keeps of one message: the text the archive reads from its parts (same part reader), the
 * language guess that picks the stemmer, and the facts a hit shows. Pure; the pass does the I/O.
 */
export function toIndexEntry(message: IndexableMessage): MessageIndexEntry {
  const text = capBody(extractMessageContent(message.parts).text);
  const metadata = parseMessageMetadata(message.metadata);
  return {
    messageId: message.id,
    threadId: message.threadId,
    userId: message.userId,
    role: message.role,
    createdAt: message.createdAt,
    model: metadata.chatModel?.model ?? null,
    agentId: metadata.agentId ?? null,
    language: stemmerFor(text),
    partsHash: message.partsHash,
    text,
    words: vocabularyWords(text),
  };
}

/**
 * A message the guess calls English or French is stemmed in that language only (half the indexing work); any other
 * (short messages often say too little) gets both stemmers, so a query in either language finds it.
 */
function stemmerFor(text: string): SearchLanguage {
  const tally = new LanguageTally();
  tally.add(text);
  const { language } = tally.guess();
  if (language === 'en') return 'english';
  if (language === 'fr') return 'french';
  return 'simple';
}

const TOKEN = /[\p{L}\p{N}]+/gu;
const STARTS_WITH_LETTER = /^\p{L}/u;
const NON_ASCII = /[^\x00-\x7f]/;
const DIACRITICS = /\p{M}+/gu;
const MAX_WORDS_PER_MESSAGE = 400;

/** Words of 4 to 32 letters or digits (starting with a letter), lower-cased, accents removed, each once. */
export function vocabularyWords(text: string): string[] {
  const words = new Set<string>();
  for (const match of text.matchAll(TOKEN)) {
    const token = match[0];
    if (token.length < 4 || token.length > 32 || !STARTS_WITH_LETTER.test(token)) continue;
    words.add(normaliseWord(token));
    if (words.size >= MAX_WORDS_PER_MESSAGE) break;
  }
  return [...words];
}

export function normaliseWord(word: string): string {
  return NON_ASCII.test(word) ? word.normalize('NFD').replace(DIACRITICS, '').toLowerCase() : word.toLowerCase();
}
