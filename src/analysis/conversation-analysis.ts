import { z } from 'zod';
import { LanguageTally } from './language-guess.ts';
import type { MessageContent } from '../chat/message-content.ts';
import type { MessageMetadata } from '../chat/message-metadata.ts';
import type { ToolStatus } from '../chat/message-part.ts';

// The per-conversation analysis stored in archive_item.mcp_analysis. The accumulator is fed one message at
// a time and keeps only counters and maps keyed by role, model, tool, agent or type (each capped), never
// the messages, so a 100,000-message thread costs what a short one does.

export const CONVERSATION_ANALYSIS_VERSION = 1;

/** Distinct keys kept per map; further keys are counted together under OVERFLOW_KEY. */
const MAX_KEYS = 500;
const OVERFLOW_KEY = '(other)';

const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();
const countsByKey = z.record(z.string(), count);

const usageTotalsSchema = z.object({
  inputTokens: amount,
  outputTokens: amount,
  totalTokens: amount,
  reasoningTokens: amount,
  cachedInputTokens: amount,
});

export const conversationAnalysisSchema = z.object({
  version: z.literal(CONVERSATION_ANALYSIS_VERSION),
  messageCount: count,
  /** Messages whose parts held nothing readable (NULL parts, empty array, only skipped elements). */
  emptyMessages: count,
  roles: countsByKey,
  firstMessageAt: z.iso.datetime().nullable(),
  lastMessageAt: z.iso.datetime().nullable(),
  durationSeconds: amount.nullable(),
  endsWithUserMessage: z.boolean(),
  /** Our own count of each message's text (tool JSON and reasoning included), by the caller's encoding. */
  tokens: z.object({ encoding: z.string().min(1), total: count, byRole: countsByKey }),
  /** What providers reported in metadata.usage on assistant rows; input tokens include re-sent history. */
  providerUsage: usageTotalsSchema.extend({
    messagesWithUsage: count,
    /** Rows migrated by the app's 0012 that carry only totalTokens. */
    messagesWithTotalOnly: count,
    assistantMessagesWithoutUsage: count,
  }),
  models: z.array(
    z.object({ provider: z.string().nullable(), model: z.string().nullable(), messages: count, usage: usageTotalsSchema }),
  ),
  tools: z.array(
    z.object({ name: z.string(), calls: count, errors: count, incomplete: count, legacyCalls: count }),
  ),
  toolCalls: z.object({ total: count, errors: count, incomplete: count }),
  agents: z.array(z.object({ id: z.string(), messages: count })),
  parts: z.object({ byType: countsByKey, skipped: count, skippedByType: countsByKey, ingestionPreviews: count }),
  files: z.object({ total: count, byMediaType: countsByKey }),
  sources: z.object({ total: count }),
  reasoning: z.object({ messages: count }),
  language: z.object({ language: z.string(), script: z.string(), confidence: z.number().min(0).max(1) }),
});

export type ConversationAnalysis = z.infer<typeof conversationAnalysisSchema>;
type UsageTotals = z.infer<typeof usageTotalsSchema>;

export interface AnalysedMessage {
  readonly role: string;
  /** A Date, or an ISO-like string; a string without a zone is UTC, as the host's timestamps are. */
  readonly createdAt: Date | string | null;
  /** From `extractMessageContent(row.parts)`. */
  readonly content: MessageContent;
  /** From `parseMessageMetadata(row.metadata)`. */
  readonly metadata: MessageMetadata;
  /** Our token count of `content.text` (a non-negative integer). */
  readonly tokens: number;
}

export interface ConversationAnalysisOptions {
  /** Encoding the token counts were made with, e.g. `o200k_base`. */
  readonly tokenEncoding: string;
}

interface ToolTally {
  calls: number;
  errors: number;
  incomplete: number;
  legacyCalls: number;
}

interface ModelTally {
  readonly provider: string | null;
  readonly model: string | null;
  messages: number;
  readonly usage: UsageTotals;
}

/** Accumulates the analysis of one conversation; feed messages in conversation order. */
export class ConversationAnalysisAccumulator {
  readonly #tokenEncoding: string;
  #messageCount = 0;
  #emptyMessages = 0;
  readonly #roles = new CappedCounter();
  #firstAt = Number.POSITIVE_INFINITY;
  #lastAt = Number.NEGATIVE_INFINITY;
  #lastRole: string | null = null;
  #totalTokens = 0;
  readonly #tokensByRole = new CappedCounter();
  readonly #providerUsage = emptyUsage();
  #messagesWithUsage = 0;
  #messagesWithTotalOnly = 0;
  #assistantMessagesWithoutUsage = 0;
  readonly #models = new Map<string, ModelTally>();
  readonly #tools = new Map<string, ToolTally>();
  readonly #toolCalls = { total: 0, errors: 0, incomplete: 0 };
  readonly #agents = new CappedCounter();
  readonly #partTypes = new CappedCounter();
  #skippedParts = 0;
  readonly #skippedTypes = new CappedCounter();
  #ingestionPreviews = 0;
  #files = 0;
  readonly #fileMediaTypes = new CappedCounter();
  #sources = 0;
  #reasoningMessages = 0;
  readonly #language = new LanguageTally();

  constructor(options: ConversationAnalysisOptions) {
    if (options.tokenEncoding.trim() === '') throw new TypeError('tokenEncoding must name the encoding');
    this.#tokenEncoding = options.tokenEncoding;
  }

  add(message: AnalysedMessage): void {
    if (!Number.isSafeInteger(message.tokens) || message.tokens < 0) {
      throw new RangeError(`tokens must be a non-negative integer, got ${String(message.tokens)}`);
    }
    const { content, metadata } = message;
    this.#messageCount++;
    this.#roles.add(message.role);
    this.#lastRole = message.role;
    this.#totalTokens += message.tokens;
    this.#tokensByRole.add(message.role, message.tokens);

    const time = timeOf(message.createdAt);
    if (time !== null) {
      this.#firstAt = Math.min(this.#firstAt, time);
      this.#lastAt = Math.max(this.#lastAt, time);
    }

    const partsRead = Object.values(content.partTypes).reduce((sum, partCount) => sum + partCount, 0);
    if (partsRead === 0) this.#emptyMessages++;
    for (const [type, partCount] of Object.entries(content.partTypes)) this.#partTypes.add(type, partCount);
    this.#skippedParts += content.skippedParts;
    for (const [type, partCount] of Object.entries(content.skippedTypes)) this.#skippedTypes.add(type, partCount);
    this.#ingestionPreviews += content.ingestionPreviews;
    if (content.hasReasoning) this.#reasoningMessages++;
    this.#files += content.files.length;
    for (const file of content.files) this.#fileMediaTypes.add(file.mediaType ?? '(unknown)');
    this.#sources += content.sources.length;
    for (const call of content.toolCalls) this.#addToolCall(call.name, call.status, call.legacy);

    this.#addMetadata(message.role, metadata);
    this.#language.add(content.prose);
  }

  result(): ConversationAnalysis {
    const hasTimes = Number.isFinite(this.#firstAt);
    return conversationAnalysisSchema.parse({
      version: CONVERSATION_ANALYSIS_VERSION,
      messageCount: this.#messageCount,
      emptyMessages: this.#emptyMessages,
      roles: this.#roles.toRecord(),
      firstMessageAt: hasTimes ? new Date(this.#firstAt).toISOString() : null,
      lastMessageAt: hasTimes ? new Date(this.#lastAt).toISOString() : null,
      durationSeconds: hasTimes ? (this.#lastAt - this.#firstAt) / 1000 : null,
      endsWithUserMessage: this.#lastRole === 'user',
      tokens: { encoding: this.#tokenEncoding, total: this.#totalTokens, byRole: this.#tokensByRole.toRecord() },
      providerUsage: {
        ...this.#providerUsage,
        messagesWithUsage: this.#messagesWithUsage,
        messagesWithTotalOnly: this.#messagesWithTotalOnly,
        assistantMessagesWithoutUsage: this.#assistantMessagesWithoutUsage,
      },
      models: [...this.#models.values()]
        .map((tally) => ({ ...tally, usage: { ...tally.usage } }))
        .sort((a, b) => b.messages - a.messages || compareText(a.provider, b.provider) || compareText(a.model, b.model)),
      tools: [...this.#tools]
        .map(([name, tally]) => ({ name, ...tally }))
        .sort((a, b) => b.calls - a.calls || compareText(a.name, b.name)),
      toolCalls: { ...this.#toolCalls },
      agents: this.#agents.entries().map(([id, messages]) => ({ id, messages })),
      parts: {
        byType: this.#partTypes.toRecord(),
        skipped: this.#skippedParts,
        skippedByType: this.#skippedTypes.toRecord(),
        ingestionPreviews: this.#ingestionPreviews,
      },
      files: { total: this.#files, byMediaType: this.#fileMediaTypes.toRecord() },
      sources: { total: this.#sources },
      reasoning: { messages: this.#reasoningMessages },
      language: this.#language.guess(),
    } satisfies ConversationAnalysis);
  }

  #addToolCall(name: string, status: ToolStatus, legacy: boolean): void {
    const key = this.#tools.has(name) || this.#tools.size < MAX_KEYS ? name : OVERFLOW_KEY;
    let tally = this.#tools.get(key);
    if (tally === undefined) {
      tally = { calls: 0, errors: 0, incomplete: 0, legacyCalls: 0 };
      this.#tools.set(key, tally);
    }
    tally.calls++;
    this.#toolCalls.total++;
    if (status === 'error') {
      tally.errors++;
      this.#toolCalls.errors++;
    } else if (status !== 'done') {
      // `incomplete` in the analysis: no output was stored (still streaming, awaiting approval, or interrupted).
      tally.incomplete++;
      this.#toolCalls.incomplete++;
    }
    if (legacy) tally.legacyCalls++;
  }

  #addMetadata(role: string, metadata: MessageMetadata): void {
    if (metadata.agentId !== undefined) this.#agents.add(metadata.agentId);
    const usage = metadata.usage;
    if (usage === undefined) {
      if (role === 'assistant') this.#assistantMessagesWithoutUsage++;
    } else {
      this.#messagesWithUsage++;
      if (usage.totalTokens !== undefined && usage.inputTokens === undefined && usage.outputTokens === undefined) {
        this.#messagesWithTotalOnly++;
      }
      addUsage(this.#providerUsage, usage);
    }
    if (metadata.chatModel === undefined) return;
    const provider = metadata.chatModel.provider ?? null;
    const model = metadata.chatModel.model ?? null;
    let key = JSON.stringify([provider, model]);
    if (!this.#models.has(key) && this.#models.size >= MAX_KEYS) key = OVERFLOW_KEY;
    let tally = this.#models.get(key);
    if (tally === undefined) {
      tally = key === OVERFLOW_KEY
        ? { provider: null, model: OVERFLOW_KEY, messages: 0, usage: emptyUsage() }
        : { provider, model, messages: 0, usage: emptyUsage() };
      this.#models.set(key, tally);
    }
    tally.messages++;
    if (usage !== undefined) addUsage(tally.usage, usage);
  }
}

/** Counts by key, at most MAX_KEYS distinct keys; keys are kept safe to use as JSON object keys. */
class CappedCounter {
  readonly #counts = new Map<string, number>();

  add(key: string, amountToAdd = 1): void {
    let safe = key === '__proto__' ? '(__proto__)' : key;
    if (!this.#counts.has(safe) && this.#counts.size >= MAX_KEYS) safe = OVERFLOW_KEY;
    this.#counts.set(safe, (this.#counts.get(safe) ?? 0) + amountToAdd);
  }

  /** Entries by count, highest first, then by key. */
  entries(): [string, number][] {
    return [...this.#counts].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
  }

  toRecord(): Record<string, number> {
    return Object.fromEntries(this.entries());
  }
}

function emptyUsage(): UsageTotals {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 };
}

function addUsage(totals: UsageTotals, usage: NonNullable<MessageMetadata['usage']>): void {
  totals.inputTokens += usage.inputTokens ?? 0;
  totals.outputTokens += usage.outputTokens ?? 0;
  totals.totalTokens += usage.totalTokens ?? 0;
  totals.reasoningTokens += usage.reasoningTokens ?? 0;
  totals.cachedInputTokens += usage.cachedInputTokens ?? 0;
}

const zonelessTimestamp = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
// Years 0000-9999: what an ISO string without an expanded year can carry.
const EARLIEST_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

function timeOf(value: Date | string | null): number | null {
  if (value === null) return null;
  let time: number;
  if (value instanceof Date) time = value.getTime();
  else time = Date.parse(zonelessTimestamp.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  return time >= EARLIEST_TIME && time <= LATEST_TIME ? time : null;
}

// Code-unit order, not localeCompare: the output must not depend on the machine's locale.
function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
