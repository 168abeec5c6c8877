// Time and memory of the pure analysis path over one long synthetic thread: parts extraction, metadata
// parsing, the conversation analysis and the extractive summary, message by message as the worker
// feeds them. Token counts are a stand-in (length / 4): the tokenizer is measured on its own.
//   node bench/analysis.ts [messages=100000]
import { ConversationAnalysisAccumulator } from '../src/analysis/conversation-analysis.ts';
import { extractMessageContent } from '../src/chat/message-content.ts';
import { parseMessageMetadata } from '../src/chat/message-metadata.ts';
import { ExtractiveSummaryAccumulator } from '../src/analysis/summary.ts';

const messageCount = Number(process.argv[2] ?? 100_000);

function userRow(index: number): { role: string; parts: unknown; metadata: unknown } {
  return {
    role: 'user',
    metadata: null,
    parts: [{ type: 'text', text: `Question ${index}: why does replica ${index % 37} of shard ${index % 11} lag behind the primary?` }],
  };
}

function assistantRow(index: number): { role: string; parts: unknown; metadata: unknown } {
  return {
    role: 'assistant',
    metadata: {
      chatModel: { provider: 'openai', model: index % 3 === 0 ? 'gpt-4.1' : 'gpt-4.1-mini' },
      usage: { inputTokens: 1200 + index, outputTokens: 180, totalTokens: 1380 + index },
      toolChoice: 'auto',
      toolCount: 4,
    },
    parts: [
      { type: 'step-start' },
      {
        type: 'tool-db_query',
        toolCallId: `call_${index}`,
        state: index % 17 === 0 ? 'output-error' : 'output-available',
        input: { sql: `select lag from replicas where id = ${index % 37}` },
        output: { content: [{ type: 'text', text: { rows: [{ lag_seconds: index % 9 }] } }] },
        ...(index % 17 === 0 ? { errorText: 'connection reset' } : {}),
      },
      { type: 'step-start' },
      {
        type: 'text',
        text:
          `Replica ${index % 37} lags ${index % 9} seconds because the WAL sender is saturated.\n\n` +
          '```sql\nselect * from pg_stat_replication;\n```\n\nRaise max_wal_senders or move the backup off that host.',
      },
    ],
  };
}

const analysis = new ConversationAnalysisAccumulator({ tokenEncoding: 'o200k_base' });
const summary = new ExtractiveSummaryAccumulator();
const start = Date.now();
const baseline = process.memoryUsage().heapUsed;
let peakHeap = baseline;
let textChars = 0;
for (let index = 0; index < messageCount; index++) {
  const row = index % 2 === 0 ? userRow(index) : assistantRow(index);
  const content = extractMessageContent(row.parts);
  textChars += content.text.length;
  analysis.add({
    role: row.role,
    createdAt: new Date(Date.UTC(2025, 5, 1) + index * 1000),
    content,
    metadata: parseMessageMetadata(row.metadata),
    tokens: Math.ceil(content.text.length / 4),
  });
  summary.add(row.role, content.prose);
  if (index % 10_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}
const fed = Date.now();
const result = analysis.result();
const text = summary.compose(600);
const built = Date.now();
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

console.log(
  JSON.stringify(
    {
      messages: messageCount,
      textMB: +(textChars / 1e6).toFixed(1),
      feedMs: fed - start,
      resultMs: built - fed,
      messagesPerSecond: Math.round(messageCount / ((built - start) / 1000)),
      heapGrowthMB: +((peakHeap - baseline) / 1e6).toFixed(1),
      retained: summary.retained,
      toolCalls: result.toolCalls,
      language: result.language,
      summary: text,
    },
    null,
    2,
  ),
);
