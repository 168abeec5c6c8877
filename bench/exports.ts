// 7. Exports: JSON, Markdown and PDF of one realistic 2,000-message thread (prose with accents, Markdown lists, code
// fences, tables, reasoning, tool calls with JSON output, files, sources), written through the real export writer:
// render, sha256, temp file, fsync, rename. Wall and CPU time (median and spread of rounds that interleave the
// formats, in this process), size, and the PDF / Markdown ratio.
//   node bench/exports.ts [--quick]
import { createFsStore } from '../src/export/fs-store.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportFormats, type ExportFormat, type ExportHeader, type ExportMessage } from '../src/export/export-types.ts';
import { createExportWriter } from '../src/export/export-writer.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { markdownTable } from './support/markdown-table.ts';
import { fixed, median, medianAndSpread } from './support/stats.ts';

const run = startBenchRun();
const messageCount = 2_000;
const rounds = run.quick ? 3 : 7;

// Deterministic so that runs compare.
let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
function sentence(): string {
  const words = ['the', 'report', 'revenue', 'quarter', 'élève', 'résumé', 'café', 'growth', 'customers', 'über', 'Straße',
    'données', 'analysis', 'forecast', 'margin', 'cœur', 'pipeline', 'deployment', 'latency', 'index', 'query', 'budget'];
  const length = 8 + Math.floor(random() * 14);
  const body = Array.from({ length }, () => pick(words)).join(' ');
  return `${body.charAt(0).toUpperCase()}${body.slice(1)}${pick(['.', '.', '?', '!'])}`;
}
function paragraph(sentences: number): string {
  return Array.from({ length: sentences }, sentence).join(' ');
}

function userMessage(i: number, at: Date): ExportMessage {
  const parts: unknown[] = [];
  if (random() < 0.05) {
    parts.push(
      { type: 'text', text: 'Attached files:\n1. q3-report.pdf (application/pdf)', ingestionPreview: true },
      { type: 'file', url: `https://files.example.com/uploads/${i}-q3-report.pdf`, mediaType: 'application/pdf', filename: 'q3-report.pdf' },
    );
  }
  parts.push({ type: 'text', text: paragraph(1 + Math.floor(random() * 3)) });
  return { id: `u-${i}`, role: 'user', createdAt: at, parts, metadata: null, tokens: 20 + Math.floor(random() * 80) };
}

function assistantMessage(i: number, at: Date): ExportMessage {
  const parts: unknown[] = [{ type: 'step-start' }];
  if (random() < 0.3) parts.push({ type: 'reasoning', text: paragraph(2), state: 'done' });
  if (random() < 0.35) {
    const failed = random() < 0.15;
    parts.push({
      type: pick(['tool-webSearch', 'tool-github_search_issues', 'tool-http', 'tool-REPORTWORKFLOW']),
      toolCallId: `call_${i}`,
      state: failed ? 'output-error' : 'output-available',
      input: { query: sentence(), limit: 10 },
      ...(failed
        ? { errorText: 'Request timed out' }
        : {
            output: {
              content: [{ type: 'text', text: { total: 5, items: Array.from({ length: 5 }, (_, n) => ({ n, title: sentence(), snippet: paragraph(2) })) } }],
              isError: false,
            },
          }),
    });
    parts.push({ type: 'step-start' });
  }
  let text = paragraph(2 + Math.floor(random() * 4));
  if (random() < 0.4) text += `\n\n## Details\n\n- ${sentence()}\n- ${sentence()}\n- ${sentence()}`;
  if (random() < 0.25) text += `\n\n\`\`\`ts\nconst rows: Array<Row> = await db.query(\`select * from t where a < $1\`, [${i}]);\nif (rows.length > 0) console.log(rows);\n\`\`\``;
  if (random() < 0.1) text += '\n\n| metric | value |\n|---|---|\n| revenue | 12 % |\n| margin | 4 % |';
  parts.push({ type: 'text', text, state: 'done' });
  if (random() < 0.1) parts.push({ type: 'source-url', url: `https://example.com/source/${i}`, title: sentence() });
  return {
    id: `a-${i}`,
    role: 'assistant',
    createdAt: at,
    parts,
    metadata: {
      chatModel: { provider: 'openai', model: 'gpt-4.1' },
      toolChoice: 'auto',
      usage: { inputTokens: 1_500 + i, outputTokens: 200, totalTokens: 1_700 + i },
    },
    tokens: 150 + Math.floor(random() * 400),
  };
}

const start = Date.UTC(2025, 5, 1);
const thread: ExportMessage[] = Array.from({ length: messageCount }, (_, i) => {
  const at = new Date(start + i * 45_000);
  return i % 2 === 0 ? userMessage(i, at) : assistantMessage(i, at);
});
const header: ExportHeader = {
  archiveId: 'bench-archive',
  archiveName: 'Benchmark archive',
  archiveDescription: 'Generated thread',
  threadId: 'bench-thread',
  threadTitle: 'Quarterly report — résumé et prévisions',
  userId: 'bench-user',
  exportedAt: new Date(),
  encoding: 'utf-8',
};
const textChars = thread.reduce((sum, m) => sum + JSON.stringify(m.parts).length, 0);

const footer = { messageCount, tokensTotal: 0, summary: paragraph(4), analysis: { topics: ['report'] } };

interface Measured {
  wallMs: number;
  cpuMs: number;
  fileSize: number;
}

async function exportOnce(format: ExportFormat, exportDir: string, name: string): Promise<Measured> {
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const writer = await createExportWriter(format, { ...header, threadId: `bench-${format}-${name}` }, { store: createFsStore(exportDir) });
  for (const message of thread) await writer.addMessage(message);
  const result = await writer.finish(footer);
  const wallMs = performance.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, fileSize: result.fileSize };
}

// One untimed warm-up export per format (module loading, JIT), then rounds of one export per format each, the order
// reversed every other round: a change of the machine's load between rounds reaches every format alike, and the
// PDF / Markdown ratio is also read round by round.
const exportDir = await mkdtemp(path.join(tmpdir(), 'chat-archiver-bench-exports-'));
const measured = new Map<ExportFormat, Measured[]>(exportFormats.map((format) => [format, []]));
try {
  progress(`exports: warm-up (load ${run.sampleLoad()})`);
  for (const format of exportFormats) await exportOnce(format, exportDir, 'warm-up');
  for (let round = 0; round < rounds; round++) {
    progress(`exports: round ${round + 1} of ${rounds} (load ${run.sampleLoad()})`);
    const order = round % 2 === 0 ? exportFormats : [...exportFormats].reverse();
    for (const format of order) measured.get(format)!.push(await exportOnce(format, exportDir, String(round)));
  }
} finally {
  await rm(exportDir, { recursive: true, force: true });
}

const rows = exportFormats.map((format) => {
  const results = measured.get(format)!;
  const wall = results.map((m) => m.wallMs);
  return [
    format,
    medianAndSpread(wall, 0),
    medianAndSpread(results.map((m) => m.cpuMs), 0),
    fixed((median(wall) * 1000) / messageCount, 0),
    fixed(results[0]!.fileSize / 1e6, 2),
    fixed(messageCount / (median(wall) / 1000), 0),
  ];
});

/** PDF / Markdown: the ratio of the medians, and the median (min–max) of the rounds' own ratios. */
function ratio(kind: 'wallMs' | 'cpuMs'): { ofMedians: string; byRound: string } {
  const pdf = measured.get('pdf')!.map((m) => m[kind]);
  const markdown = measured.get('markdown')!.map((m) => m[kind]);
  return {
    ofMedians: fixed(median(pdf) / median(markdown), 2),
    byRound: medianAndSpread(pdf.map((value, round) => value / markdown[round]!), 2),
  };
}
const wallRatio = ratio('wallMs');
const cpuRatio = ratio('cpuMs');

printSection({
  id: 'exports',
  title: `7. Exports: a ${messageCount.toLocaleString('en-US')}-message thread`,
  body: [
    `One generated thread (${(textChars / 1e6).toFixed(2)} MB of parts JSON, deterministic), written through ` +
      `\`createExportWriter\` (render, sha256, temp file, fsync, rename) in one process: one untimed warm-up export per ` +
      `format, then ${rounds} rounds of one export per format, the order reversed every other round. ${run.loadSummary()}.`,
    '',
    markdownTable(['format', '>total ms', '>CPU ms', '>µs / message', '>file MB', '>messages/s'], rows),
    '',
    `**PDF / Markdown** (the floor): ${wallRatio.ofMedians}× in wall time, ${cpuRatio.ofMedians}× in CPU time (the ` +
      "process's user + system time, less sensitive to the machine's other work), ratios of the medians; round by round " +
      `${wallRatio.byRound} in wall time, ${cpuRatio.byRound} in CPU time. Goal: ≤ 2×.`,
  ].join('\n'),
});
