import type { Kysely } from 'kysely';
import { ConversationAnalysisAccumulator, type ConversationAnalysis } from '../analysis/conversation-analysis.ts';
import { HeadTailText } from '../analysis/head-tail-text.ts';
import { ExtractiveSummaryAccumulator } from '../analysis/summary.ts';
import { sampleText } from '../analysis/text-sample.ts';
import type { TokenCounter } from '../analysis/tokens.ts';
import { extractMessageContent } from '../chat/message-content.ts';
import { parseMessageMetadata } from '../chat/message-metadata.ts';
import type { Database } from '../db/database.ts';
import type { ExportMessage } from '../export/export-types.ts';
import { SEARCH_BODY_MAX_CHARS, SEARCH_MESSAGE_MAX_CHARS } from '../sql/search-documents.ts';
import { readThreadMessages, type ThreadPaging } from '../sql/threads.ts';
import { TimeSlice } from '../time-slice.ts';

export interface ThreadPassInput {
  db: Kysely<Database>;
  threadId: string;
  paging: ThreadPaging;
  counter: TokenCounter;
  summaryMaxChars: number;
  signal: AbortSignal;
}

export interface ThreadPassResult {
  messageCount: number;
  tokensCount: number;
  summary: string;
  analysis: ConversationAnalysis;
  searchBody: string;
}

/**
 * One pass over a thread, page by page: every message is extracted, counted, summarised and analysed, then handed
 * to `onMessage` (an export renderer) with its token count. Memory stays bounded however long the thread.
 */
export async function passOverThread(input: ThreadPassInput, onMessage: (message: ExportMessage) => Promise<void>): Promise<ThreadPassResult> {
  const { counter } = input;
  const analysis = new ConversationAnalysisAccumulator({ tokenEncoding: counter.encoding });
  const summary = new ExtractiveSummaryAccumulator();
  const searchBody = new HeadTailText(SEARCH_BODY_MAX_CHARS);
  const slice = new TimeSlice();
  let messageCount = 0;
  let tokensCount = 0;
  for await (const page of readThreadMessages(input.db, input.threadId, input.paging)) {
    input.signal.throwIfAborted();
    for (const message of page) {
      // Each step below is linear in the message and bounded per message where it can be (summary and search
      // take a sample); the slice lets heartbeats and /healthz through between and inside them.
      const content = extractMessageContent(message.parts);
      const tokens = await counter.countInSlices(content.text, slice);
      analysis.add({ role: message.role, createdAt: message.createdAt, content, metadata: parseMessageMetadata(message.metadata), tokens });
      summary.add(message.role, content.prose);
      searchBody.add(sampleText(content.text, SEARCH_MESSAGE_MAX_CHARS));
      await slice.yieldIfDue();
      await onMessage({ ...message, tokens });
      await slice.yieldIfDue();
      messageCount++;
      tokensCount += tokens;
    }
  }
  input.signal.throwIfAborted();
  return { messageCount, tokensCount, summary: summary.compose(input.summaryMaxChars), analysis: analysis.result(), searchBody: searchBody.toString() };
}
