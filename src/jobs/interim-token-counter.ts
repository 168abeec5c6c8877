import { Tiktoken } from 'js-tiktoken/lite';
import type { Config } from '../config.ts';

// Stand-in until src/analysis/tokens.ts lands: js-tiktoken's own encoder over one encoding's ranks.
// Same contract: loadTokenCounter(encoding) -> { encoding, count(text) }.

export interface TokenCounter {
  readonly encoding: string;
  count(text: string): number;
}

const counters = new Map<string, Promise<TokenCounter>>();

/** Loads one encoding's ranks once per process. Special-token strings in chat text count as plain text. */
export function loadTokenCounter(encoding: Config['tokenEncoding']): Promise<TokenCounter> {
  let counter = counters.get(encoding);
  if (counter === undefined) {
    counter = (async () => {
      const ranks =
        encoding === 'o200k_base'
          ? (await import('js-tiktoken/ranks/o200k_base')).default
          : (await import('js-tiktoken/ranks/cl100k_base')).default;
      const tiktoken = new Tiktoken(ranks);
      return { encoding, count: (text: string) => (text === '' ? 0 : tiktoken.encode(text, [], []).length) };
    })();
    counters.set(encoding, counter);
  }
  return counter;
}
