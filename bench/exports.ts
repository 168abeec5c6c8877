// Export rendering benchmark: JSON, Markdown and PDF of one realistic 2,000-message thread, written through the
// real export writer (render + sha256 + temp file + fsync + rename). Prints a Markdown table.
// Run: node bench/exports.ts [messageCount] [keepDir]   (keepDir: keep the exports there to look at them)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ExportFormat, ExportHeader, ExportMessage } from '../src/export/export-types.ts';
import { createExportWriter } from '../src/export/export-writer.ts';

const messageCount = Number(process.argv[2] ?? 2_000);
const keepDir = process.argv[3];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

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

const exportDir = keepDir ?? (await mkdtemp(path.join(tmpdir(), 'bench-exports-')));
const rows: string[] = [];
try {
  for (const format of ['json', 'markdown', 'pdf'] as ExportFormat[]) {
    const heapBefore = heapAfterGc();
    const began = performance.now();
    const writer = await createExportWriter(format, { ...header, threadId: `bench-${format}` }, { exportDir });
    for (const message of thread) await writer.addMessage(message);
    const result = await writer.finish({ messageCount, tokensTotal: 0, summary: paragraph(4), analysis: { topics: ['report'] } });
    const ms = performance.now() - began;
    const heapDelta = (heapAfterGc() - heapBefore) / 1_048_576;
    rows.push(
      `| ${format} | ${messageCount} | ${ms.toFixed(0)} | ${((ms * 1000) / messageCount).toFixed(0)} | ${(result.fileSize / 1_048_576).toFixed(2)} | ${heapDelta.toFixed(1)} |`,
    );
  }
} finally {
  if (keepDir === undefined) await rm(exportDir, { recursive: true, force: true });
}

console.log(`Thread: ${messageCount} messages, ${(textChars / 1_048_576).toFixed(2)} MB of parts JSON; Node ${process.version}\n`);
console.log('| format | messages | total ms | µs / message | file MB | retained heap Δ MB |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
