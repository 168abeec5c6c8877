// Token counting benchmark: our counter against stock js-tiktoken on a deterministic mixed chat corpus,
// load time and memory, pathological single messages, and a corpus-wide equality check.
//
//   node bench/tokens.ts [--mb 5] [--runs 3] [--ours-runs 5] [--write]
//
// Every measurement runs in a fresh Node process (cold caches, own RSS); the table shows medians.
// --write replaces the "## Token counting" section of docs/BENCHMARKS.md with the printed one.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tiktoken } from 'js-tiktoken/lite';
import { z } from 'zod';
import { parseBpeRanks } from '../src/analysis/bpe-ranks.ts';
import { createTokenCounter, loadTokenCounter, type EncodingName, type RankFile } from '../src/analysis/tokens.ts';
import { generateChatCorpus, utf8Length } from '../test/support/chat-corpus.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const encodings: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];
const CORPUS_SEED = 20261125;

const Task = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('load'), counter: z.enum(['ours', 'js-tiktoken', 'none']), encoding: z.enum(encodings) }),
  z.object({
    kind: z.literal('count'),
    counter: z.enum(['ours', 'ours-warm', 'ours-no-cache', 'js-tiktoken', 'split-only']),
    encoding: z.enum(encodings),
    corpusFile: z.string(),
  }),
  z.object({
    kind: z.literal('pathological'),
    counter: z.enum(['ours', 'js-tiktoken']),
    encoding: z.enum(encodings),
    input: z.string(),
  }),
]);
type Task = z.infer<typeof Task>;

const LoadResult = z.object({ loadMs: z.number(), rssMb: z.number(), heapMb: z.number(), tableMb: z.number() });
const CountResult = z.object({
  seconds: z.number(),
  cpuSeconds: z.number(),
  bytes: z.number(),
  tokens: z.number(),
  countsDigest: z.string(),
  peakRssMb: z.number(),
});
const PathologicalResult = z.object({ ms: z.number(), tokens: z.number(), bytes: z.number() });

// ---- child side: one measurement, printed as one JSON line ----

async function runTask(task: Task): Promise<unknown> {
  switch (task.kind) {
    case 'load': {
      const start = performance.now();
      const counter = task.counter === 'none' ? () => 0 : await loadCounter(task.counter, task.encoding);
      const loadMs = performance.now() - start;
      counter('warm up');
      globalThis.gc?.();
      const memory = process.memoryUsage();
      // Measured after the RSS reading: the size of our typed-array rank table alone.
      const tableMb =
        task.counter === 'ours' ? parseBpeRanks((await importRankFile(task.encoding)).bpe_ranks).tableBytes / 1e6 : 0;
      return { loadMs, rssMb: memory.rss / 1e6, heapMb: memory.heapUsed / 1e6, tableMb };
    }
    case 'count': {
      const messages = z.array(z.string()).parse(JSON.parse(readFileSync(task.corpusFile, 'utf8')));
      const bytes = messages.reduce((sum, message) => sum + utf8Length(message), 0);
      const counter = await loadCounter(task.counter === 'ours-warm' ? 'ours' : task.counter, task.encoding);
      if (task.counter === 'ours-warm') for (const message of messages) counter(message);
      const counts = new Int32Array(messages.length);
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < messages.length; i++) counts[i] = counter(messages[i]!);
      const seconds = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const tokens = counts.reduce((sum, count) => sum + count, 0);
      const countsDigest = createHash('sha256').update(counts).digest('hex').slice(0, 16);
      return { seconds, cpuSeconds, bytes, tokens, countsDigest, peakRssMb: process.resourceUsage().maxRSS / 1e3 };
    }
    case 'pathological': {
      const text = pathologicalInput(task.input);
      const counter = await loadCounter(task.counter, task.encoding);
      counter('warm up');
      const start = performance.now();
      const tokens = counter(text);
      return { ms: performance.now() - start, tokens, bytes: utf8Length(text) };
    }
  }
}

async function loadCounter(
  counter: 'ours' | 'ours-no-cache' | 'js-tiktoken' | 'split-only',
  encoding: EncodingName,
): Promise<(text: string) => number> {
  if (counter === 'ours') {
    const ours = await loadTokenCounter(encoding);
    return (text) => ours.count(text);
  }
  const file = await importRankFile(encoding);
  if (counter === 'ours-no-cache') {
    const ours = createTokenCounter(encoding, file, { pieceCacheSize: 0 });
    return (text) => ours.count(text);
  }
  if (counter === 'split-only') {
    const pattern = new RegExp(file.pat_str, 'gu');
    return (text) => text.match(pattern)?.length ?? 0;
  }
  const stock = new Tiktoken(file);
  return (text) => stock.encode(text, [], []).length;
}

async function importRankFile(encoding: EncodingName): Promise<RankFile & { special_tokens: Record<string, number> }> {
  return encoding === 'o200k_base'
    ? (await import('js-tiktoken/ranks/o200k_base')).default
    : (await import('js-tiktoken/ranks/cl100k_base')).default;
}

const pathologicalInputs: Record<string, { label: string; make: () => string; stockSize?: string }> = {
  a1m: { label: '1 MB of `a` (one piece)', make: () => 'a'.repeat(1_000_000), stockSize: 'a4k' },
  spaces1m: { label: '1 MB of spaces (one piece)', make: () => ' '.repeat(1_000_000), stockSize: 'spaces4k' },
  letters40k: { label: '40,000 random a-z (one piece)', make: () => randomText(1, 40_000, 'abcdefghijklmnopqrstuvwxyz'), stockSize: 'letters4k' },
  letters1m: { label: '1 MB random a-z (one piece)', make: () => randomText(2, 1_000_000, 'abcdefghijklmnopqrstuvwxyz') },
  base64: { label: '1 MB base64 (many short pieces)', make: () => randomText(3, 1_000_000, BASE64), stockSize: 'base64' },
  han: { label: '1 MB of Chinese, no punctuation (one piece)', make: () => randomText(4, 333_333, HAN) },
  a4k: { label: '`a` × 4,000', make: () => 'a'.repeat(4000) },
  spaces4k: { label: 'spaces × 4,000', make: () => ' '.repeat(4000) },
  letters4k: { label: '4,000 random a-z', make: () => randomText(1, 4000, 'abcdefghijklmnopqrstuvwxyz') },
};
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HAN = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经';

function pathologicalInput(name: string): string {
  const input = pathologicalInputs[name];
  if (input === undefined) throw new Error(`unknown input ${name}`);
  return input.make();
}

function randomText(seed: number, length: number, alphabet: string): string {
  const chars = Array.from(alphabet);
  let state = seed;
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(chars[(state >>> 8) % chars.length]!);
  }
  return out.join('');
}

// Real text that any checkout has offline: the Markdown of the installed packages (English prose and code)
// and TypeScript's translated diagnostic messages, cut into chunks of about a chat message's size.
function installedDocsCorpus(): string[] {
  const modules = join(root, 'node_modules');
  const markdown = listFiles(modules, (path) => path.endsWith('.md')).sort();
  const messages: string[] = [];
  let chunk = '';
  const flush = () => {
    if (chunk.trim()) messages.push(chunk);
    chunk = '';
  };
  let markdownBytes = 0;
  for (const path of markdown) {
    if (markdownBytes > 1_500_000) break;
    for (const paragraph of readFileSync(path, 'utf8').split(/\n\s*\n/)) {
      chunk += (chunk ? '\n\n' : '') + paragraph;
      markdownBytes += utf8Length(paragraph);
      if (utf8Length(chunk) > 900) flush();
    }
    flush();
  }
  for (const language of ['fr', 'de', 'ja', 'zh-cn', 'ko', 'ru']) {
    const path = join(modules, 'typescript', 'lib', language, 'diagnosticMessages.generated.json');
    if (!existsSync(path)) continue;
    const texts = Object.values(z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(path, 'utf8'))));
    let languageBytes = 0;
    for (const text of texts) {
      if (languageBytes > 200_000) break;
      chunk += (chunk ? '\n' : '') + text;
      languageBytes += utf8Length(text);
      if (utf8Length(chunk) > 700) flush();
    }
    flush();
  }
  return messages;
}

function listFiles(directory: string, keep: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(path, keep));
    else if (entry.isFile() && keep(path)) found.push(path);
  }
  return found;
}

// ---- parent side: run the children, print and optionally write the table ----

function child<T>(task: Task, schema: z.ZodType<T>): T {
  const output = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', JSON.stringify(task)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lastLine = output.trim().split('\n').at(-1) ?? '';
  return schema.parse(JSON.parse(lastLine));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const fixed = (value: number, digits: number) => value.toFixed(digits);
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

async function main(): Promise<void> {
  const megabytes = argument('mb', 5);
  const runs = argument('runs', 3);
  // Ours takes about a second per run: more runs steady the median on a shared machine.
  const oursRuns = argument('ours-runs', 5);
  const write = process.argv.includes('--write');
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;

  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const syntheticFile = join(resultsDir, `tokens-corpus-${CORPUS_SEED}-${megabytes}mb.json`);
  if (!existsSync(syntheticFile)) {
    writeFileSync(syntheticFile, JSON.stringify(generateChatCorpus({ seed: CORPUS_SEED, targetBytes: megabytes * 1e6 })));
  }
  const realFile = join(resultsDir, 'tokens-corpus-installed-docs.json');
  writeFileSync(realFile, JSON.stringify(installedDocsCorpus()));

  const counting = measureCounting({ synthetic: syntheticFile, installedDocs: realFile }, runs, oursRuns);
  const loadRows = measureLoad(runs);
  const pathologicalRows = measurePathological(runs);
  const date = startedAt.toISOString().slice(0, 10);
  const section = renderSection({ megabytes, runs, oursRuns, date, loadAtStart, ...counting, loadRows, pathologicalRows });
  process.stdout.write(`${section}\n`);
  if (write) writeSection(section, date);
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

interface CountingRows {
  corpusLines: string[];
  countRows: string[];
  equalities: string[];
}

/** Each counter on each corpus and encoding: speed rows, and whether every counter gave the same counts. */
function measureCounting(files: { synthetic: string; installedDocs: string }, runs: number, oursRuns: number): CountingRows {
  const corpora = [
    { name: 'synthetic', file: files.synthetic, counters: ['js-tiktoken', 'ours', 'ours-warm', 'ours-no-cache', 'split-only'] },
    { name: 'installed docs', file: files.installedDocs, counters: ['js-tiktoken', 'ours', 'ours-no-cache'] },
  ] as const;
  const corpusLines: string[] = [];
  const countRows: string[] = [];
  const equalities: string[] = [];
  const labels = {
    'js-tiktoken': 'js-tiktoken 1.0.21 `encode(text, [], [])`',
    ours: '**ours** (`loadTokenCounter`)',
    'ours-warm': 'ours, second pass in the same process (warm cache: upper bound)',
    'ours-no-cache': 'ours, piece cache off',
    'split-only': 'split pattern alone (ceiling)',
  } as const;
  for (const corpus of corpora) {
    const messages = z.array(z.string()).parse(JSON.parse(readFileSync(corpus.file, 'utf8')));
    const sizes = messages.map(utf8Length).sort((a, b) => a - b);
    const corpusBytes = sizes.reduce((sum, size) => sum + size, 0);
    corpusLines.push(
      `${corpus.name}: ${thousands(messages.length)} messages, ${fixed(corpusBytes / 1e6, 2)} MB, mean ${thousands(corpusBytes / messages.length)} B, ` +
        `median ${thousands(sizes[sizes.length >> 1]!)} B`,
    );
    for (const encoding of encodings) {
      const digests = new Set<string>();
      const totals = new Set<number>();
      let stockSpeed = Number.NaN;
      for (const counter of corpus.counters) {
        const results = [];
        // The main row gets the most runs; the slow reference and the side rows get fewer.
        const counterRuns = counter === 'ours' ? oursRuns : runs;
        for (let run = 0; run < counterRuns; run++) {
          progress(`count ${corpus.name} ${counter} ${encoding} run ${run + 1}/${counterRuns}`);
          results.push(child({ kind: 'count', counter, encoding, corpusFile: corpus.file }, CountResult));
        }
        const seconds = median(results.map((result) => result.seconds));
        const speed = corpusBytes / 1e6 / seconds;
        const tokens = results[0]!.tokens;
        if (counter === 'js-tiktoken') stockSpeed = speed;
        if (counter !== 'split-only') {
          for (const result of results) {
            digests.add(result.countsDigest);
            totals.add(result.tokens);
          }
        }
        const perToken = counter === 'split-only' ? '–' : thousands(tokens / seconds);
        const cpuSpeed = corpusBytes / 1e6 / median(results.map((result) => result.cpuSeconds));
        countRows.push(
          `| ${corpus.name} | ${labels[counter]} | ${encoding} | ${fixed(seconds, 2)} (${results.map((result) => fixed(result.seconds, 2)).join(' / ')}) | ` +
            `**${fixed(speed, 2)}** | ${fixed(cpuSpeed, 2)} | ${fixed(speed / stockSpeed, 1)}× | ${perToken} | ` +
            `${fixed(median(results.map((result) => result.peakRssMb)), 0)} |`,
        );
      }
      equalities.push(
        `${corpus.name}, ${encoding}: ` +
          (digests.size === 1 && totals.size === 1 ? `identical (${thousands([...totals][0]!)} tokens)` : `**DIFFERENT** (${[...totals].join(', ')})`),
      );
    }
  }

  return { corpusLines, countRows, equalities };
}

/** Load time and memory of each counter, beside Node alone. */
function measureLoad(runs: number): string[] {
  const loadRows: string[] = [];
  const baseline = [];
  for (let run = 0; run < runs; run++) baseline.push(child({ kind: 'load', counter: 'none', encoding: 'o200k_base' }, LoadResult));
  loadRows.push(`| Node alone (this script, no encoding) | – | – | ${fixed(median(baseline.map((result) => result.rssMb)), 0)} | ${fixed(median(baseline.map((result) => result.heapMb)), 0)} | – |`);
  for (const encoding of encodings) {
    for (const counter of ['js-tiktoken', 'ours'] as const) {
      const results = [];
      for (let run = 0; run < runs; run++) {
        progress(`load ${counter} ${encoding} run ${run + 1}/${runs}`);
        results.push(child({ kind: 'load', counter, encoding }, LoadResult));
      }
      loadRows.push(
        `| ${counter === 'ours' ? 'ours' : 'js-tiktoken `new Tiktoken(ranks)`'} | ${encoding} | ` +
          `${fixed(median(results.map((result) => result.loadMs)), 0)} | ${fixed(median(results.map((result) => result.rssMb)), 0)} | ` +
          `${fixed(median(results.map((result) => result.heapMb)), 0)} | ${counter === 'ours' ? fixed(results[0]!.tableMb, 1) : '–'} |`,
      );
    }
  }

  return loadRows;
}

/** Our time on single pathological messages, and js-tiktoken's at a size it can finish. */
function measurePathological(runs: number): string[] {
  const pathologicalRows: string[] = [];
  for (const [name, input] of Object.entries(pathologicalInputs)) {
    if (!name.endsWith('1m') && !['letters40k', 'base64', 'han'].includes(name)) continue;
    const cells: string[] = [];
    let tokensCell = '';
    for (const encoding of encodings) {
      progress(`pathological ${name} ${encoding}`);
      const results = [];
      for (let run = 0; run < runs; run++) results.push(child({ kind: 'pathological', counter: 'ours', encoding, input: name }, PathologicalResult));
      cells.push(fixed(median(results.map((result) => result.ms)), 0));
      tokensCell += `${tokensCell ? ' / ' : ''}${thousands(results[0]!.tokens)}`;
    }
    let stockCell = 'not run (quadratic: hours to days)';
    if (input.stockSize !== undefined) {
      progress(`pathological ${input.stockSize} js-tiktoken`);
      const stockInput = pathologicalInputs[input.stockSize]!;
      const stock = child({ kind: 'pathological', counter: 'js-tiktoken', encoding: 'o200k_base', input: input.stockSize }, PathologicalResult);
      stockCell = input.stockSize === name ? `${thousands(stock.ms)} ms` : `${stockInput.label}: ${thousands(stock.ms)} ms`;
    }
    pathologicalRows.push(`| ${input.label} | ${cells.join(' | ')} | ${tokensCell} | ${stockCell} |`);
  }

  return pathologicalRows;
}

function renderSection(r: CountingRows & { megabytes: number; runs: number; oursRuns: number; date: string; loadAtStart: number; loadRows: string[]; pathologicalRows: string[] }): string {
  const { megabytes, runs, oursRuns, date, loadAtStart, corpusLines, countRows, equalities, loadRows, pathologicalRows } = r;
  const lines: string[] = [];
  lines.push(
    '## Token counting',
    '',
    `\`node bench/tokens.ts --mb ${megabytes} --runs ${runs} --ours-runs ${oursRuns}\`, ${date}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `${fixed(totalmem() / 2 ** 30, 0)} GiB, load average ${fixed(loadAtStart, 1)} at start (the machine is shared). Every figure is the median of ` +
      `${oursRuns} (ours) or ${runs} (other rows) fresh processes (cold piece cache, JIT warm-up included). MB = 10⁶ bytes of UTF-8. "MB/s of CPU time" divides by the ` +
      `process's CPU time during the loop (GC and JIT threads included): less sensitive to the other workloads than wall time.`,
    '',
    `Corpora. **synthetic**: \`generateChatCorpus\` (test/support/chat-corpus.ts, seed ${CORPUS_SEED}): ` +
      'EN/FR prose with a long tail of rare words, Chinese/Japanese/Korean and other scripts, code fences, tool-call JSON, emoji, ' +
      'URLs, banners and special-token text. **installed docs**: real text found offline in node_modules (the Markdown files of the ' +
      'installed packages, English prose with code, and TypeScript\'s diagnostic messages in French, German, Japanese, Chinese, ' +
      'Korean and Russian), cut into message-sized chunks; it changes only with package-lock.json. ' +
      `${corpusLines.join('; ')}. Each message is counted separately and the counts summed.`,
    '',
    '| corpus | counter | encoding | wall time, s (runs) | MB/s | MB/s of CPU time | vs js-tiktoken | tokens/s | peak RSS (MB) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...countRows,
    '',
    `Equality, corpus-wide: per-message counts (SHA-256 of the count sequence) and totals of every run of every counter above — ` +
      `${equalities.join('; ')}.`,
    '',
    'Reading: the counts are exact (no length guard changes them; long pieces go through the heap merge of ' +
      'src/analysis/bpe-merge.ts). The piece cache pays in a long-running worker, whose vocabulary recurs (second-pass row); ' +
      'on one cold pass it can cost more than it saves when most pieces are new (compare the "cache off" rows). The split ' +
      'pattern alone bounds any counter that uses js-tiktoken\'s regular expression.',
    '',
    'Load (import the rank file + build the tables + count one short string), fresh process each:',
    '',
    '| counter | encoding | load (ms) | RSS after load (MB) | JS heap used (MB) | rank table arrays (MB) |',
    '|---|---|---|---|---|---|',
    ...loadRows,
    '',
    'Pathological single messages (ours: ms per call after load, median; js-tiktoken o200k_base: one run, at a size it can finish):',
    '',
    '| input | o200k_base (ms) | cl100k_base (ms) | tokens (o200k / cl100k) | js-tiktoken o200k_base |',
    '|---|---|---|---|---|',
    ...pathologicalRows,
    '',
  );
  return lines.join('\n');
}

function writeSection(section: string, date: string): void {
  const file = join(root, 'docs', 'BENCHMARKS.md');
  mkdirSync(dirname(file), { recursive: true });
  const header =
    '# Benchmarks\n\n' +
    `Measured on the development machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), shared with other ` +
    `workloads; Node ${process.version}; first written ${date}. Each section names its command, date and load; rerun it to update.\n\n`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const start = current.indexOf('## Token counting');
  let updated: string;
  if (start < 0) {
    updated = `${current.trimEnd()}\n\n${section}`;
  } else {
    const next = current.indexOf('\n## ', start + 1);
    updated = current.slice(0, start) + section + (next < 0 ? '' : `\n${current.slice(next + 1)}`);
  }
  writeFileSync(file, `${updated.trimEnd()}\n`);
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  const task = Task.parse(JSON.parse(process.argv[childIndex + 1] ?? 'null'));
  process.stdout.write(`${JSON.stringify(await runTask(task))}\n`);
} else {
  await main();
}
