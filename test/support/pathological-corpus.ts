// Messages built to hit the worst case of every step that touches message text: regular expressions that backtrack,
// parsers that recurse, tokenizers that merge one huge piece, layout engines that break unbreakable lines. Every
// message is at least 1 MiB of UTF-8, and deterministic (no randomness), so a slow step shows in every run.

export interface PathologicalMessage {
  /** What the message attacks, short enough for a table row and a thread title. */
  readonly label: string;
  /** The message's `parts`, as stored in `chat_message.parts`. */
  readonly parts: readonly unknown[];
}

export const MIN_MESSAGE_BYTES = 1024 * 1024;

/** ASCII punctuation: everything CommonMark may treat as a metacharacter, HTML's `<>&"'` among them. */
export const METACHARACTERS = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];

const QUARTER = MIN_MESSAGE_BYTES / 4;

function repeatTo(unit: string, bytes: number): string {
  const unitBytes = Buffer.byteLength(unit);
  return unit.repeat(Math.ceil(bytes / unitBytes));
}

function text(value: string): unknown[] {
  return [{ type: 'text', text: value }];
}

/** Four runs of a quarter MiB, one per metacharacter, in each message. */
function metacharacterRuns(): PathologicalMessage[] {
  const messages: PathologicalMessage[] = [];
  for (let i = 0; i < METACHARACTERS.length; i += 4) {
    const chars = METACHARACTERS.slice(i, i + 4);
    messages.push({ label: `runs of ${chars.join(' ')}`, parts: text(chars.map((c) => repeatTo(c, QUARTER)).join('')) });
  }
  return messages;
}

/** Every ordered pair of metacharacters, each pair repeated over 1 KiB. */
function everyPair(): PathologicalMessage {
  const pieces: string[] = [];
  for (const a of METACHARACTERS) for (const b of METACHARACTERS) pieces.push(repeatTo(a + b, 1024));
  return { label: 'every pair of metacharacters', parts: text(pieces.join('')) };
}

// The pairs and triples that open or close Markdown and HTML constructs, each in a long run of its own.
const CONSTRUCTS = [
  '[]', '()', '](', '![', '[(', ')]', '<>', '</', '<!--', '-->', '<a ', '&#', '&amp', '**', '__', '~~',
  '``', '\\`', '\\\\', '*_', '_*', '**a', 'a**', '[a', 'a](', '|-', '| ', '# ', '> ', '- ', '1. ', '```\n',
];

function constructRuns(): PathologicalMessage[] {
  const half = CONSTRUCTS.length / 2;
  return [CONSTRUCTS.slice(0, half), CONSTRUCTS.slice(half)].map((group) => ({
    label: `runs of ${group.map((c) => JSON.stringify(c)).join(' ')}`,
    parts: text(group.map((c) => repeatTo(c, MIN_MESSAGE_BYTES / group.length + 1)).join('\n')),
  }));
}

/** Base-36 noise: one unbroken "word" of 1 MiB (minified code, base64, hashes). */
function noSpaces(): PathologicalMessage {
  let noise = '';
  for (let i = 0; noise.length < MIN_MESSAGE_BYTES; i++) noise += ((i * 2654435761) >>> 0).toString(36);
  return { label: 'one run without spaces', parts: text(noise) };
}

function deepNesting(): PathologicalMessage {
  const depth = QUARTER / 8;
  const value = [
    '>'.repeat(QUARTER / 2) + ' quoted',
    `${'['.repeat(depth)}x${'](u)'.repeat(depth)}`,
    `${'('.repeat(depth)}${')'.repeat(depth)}`,
    `${'<b>'.repeat(depth / 2)}${'</b>'.repeat(depth / 2)}`,
    Array.from({ length: depth / 4 }, (_, level) => `${'  '.repeat(level % 2000)}- item`).join('\n'),
    `${'**_'.repeat(depth)}x${'_**'.repeat(depth)}`,
  ].join('\n\n');
  return { label: 'deep nesting', parts: text(repeatTo(value, MIN_MESSAGE_BYTES).slice(0, MIN_MESSAGE_BYTES * 1.2)) };
}

function emptyLines(): PathologicalMessage {
  return {
    label: 'many empty lines',
    parts: text(`start\n${'\n'.repeat(QUARTER)}${' \n'.repeat(QUARTER)}${'\t\n\n'.repeat(QUARTER / 3)}${' '.repeat(QUARTER)}end`),
  };
}

/** Pieces the tokenizer's pattern cannot split: one letter run, one CJK run, one run of accented letters. */
function hugeTokenizerPieces(): PathologicalMessage {
  return {
    label: 'huge single tokenizer pieces',
    parts: text(['a'.repeat(QUARTER), '数据归档服务'.repeat(QUARTER / 18), 'é'.repeat(QUARTER / 2), '0'.repeat(QUARTER)].join(' ')),
  };
}

function mixedScripts(): PathologicalMessage {
  const unit = [
    'Bonjour Привет مرحبا שלום नमस्ते สวัสดี 你好 こんにちは 안녕하세요 Γειά',
    '👨‍👩‍👧‍👦🏳️‍🌈🇫🇷🇯🇵👍🏽🧑🏿‍💻',
    `a${'\u0301\u0302\u0303\u0304'.repeat(50)}`,
    '\u202Eevil\u202C \u2066isolate\u2069 \u200B\u200D\uFEFF',
    '\uD800 lone \uDC00 halves',
  ].join(' ');
  return { label: 'mixed scripts and emoji sequences', parts: text(repeatTo(`${unit}\n`, MIN_MESSAGE_BYTES)) };
}

/** The same attacks inside the other part kinds: reasoning, tool input and output, file names, source titles. */
function otherParts(): PathologicalMessage {
  const brackets = repeatTo('[', QUARTER);
  return {
    label: 'reasoning, tool and source parts',
    parts: [
      { type: 'reasoning', text: repeatTo('*_', QUARTER) },
      { type: 'tool-search', toolCallId: 't1', state: 'output-available', input: { q: brackets }, output: { content: [{ type: 'text', text: repeatTo('<!--', QUARTER) }] } },
      { type: 'tool-fail', toolCallId: 't2', state: 'output-error', input: {}, errorText: repeatTo('`', QUARTER / 2) },
      { type: 'file', url: `https://example.com/${repeatTo('(', 64 * 1024)}`, mediaType: 'text/plain', filename: repeatTo(']', 64 * 1024) },
      { type: 'source-url', url: 'https://example.com/', title: repeatTo('![', QUARTER / 2) },
    ],
  };
}

/** The corpus, in a fixed order. */
export function pathologicalCorpus(): PathologicalMessage[] {
  return [
    ...metacharacterRuns(),
    everyPair(),
    ...constructRuns(),
    noSpaces(),
    deepNesting(),
    emptyLines(),
    hugeTokenizerPieces(),
    mixedScripts(),
    otherParts(),
  ];
}

/** Bytes of a message as the database stores it (its JSON). */
export function storedBytes(message: PathologicalMessage): number {
  return Buffer.byteLength(JSON.stringify(message.parts));
}
