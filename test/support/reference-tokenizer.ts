// js-tiktoken itself, the reference our token counts must equal.
import { Tiktoken } from 'js-tiktoken/lite';
import type { EncodingName, RankFile } from '../../src/analysis/tokens.ts';

export interface ReferenceEncoding {
  readonly file: RankFile;
  readonly tokenizer: Tiktoken;
  /** js-tiktoken's count with special tokens neither allowed nor disallowed: they are ordinary text. */
  count(text: string): number;
}

const loaded = new Map<EncodingName, Promise<ReferenceEncoding>>();

export function loadReference(encoding: EncodingName): Promise<ReferenceEncoding> {
  let reference = loaded.get(encoding);
  if (reference === undefined) {
    reference = importRanks(encoding).then((file) => {
      const tokenizer = new Tiktoken(file);
      return { file, tokenizer, count: (text: string) => tokenizer.encode(text, [], []).length };
    });
    loaded.set(encoding, reference);
  }
  return reference;
}

async function importRanks(encoding: EncodingName) {
  return encoding === 'o200k_base'
    ? (await import('js-tiktoken/ranks/o200k_base')).default
    : (await import('js-tiktoken/ranks/cl100k_base')).default;
}

/** A rank file made of the given tokens, ranked in order; `pattern` splits the text into pieces. */
export function rankFileOf(tokens: readonly string[], pattern = '[\\s\\S]+'): RankFile & { special_tokens: Record<string, number> } {
  const encoded = tokens.map((token) => Buffer.from(token, 'utf8').toString('base64'));
  return { pat_str: pattern, special_tokens: {}, bpe_ranks: `${encoded[0]} 0 ${encoded.join(' ')}` };
}
