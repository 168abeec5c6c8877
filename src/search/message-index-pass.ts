import type { Kysely, Transaction } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import {
  markBackfillCompleted,
  readIndexCounts,
  readIndexState,
  readMessagesAfter,
  readMissedOrChangedSince,
  readSweepSlice,
  refreshThreads,
  removeIndexedMessages,
  removeDeletedThreads,
  saveLastPass,
  saveSweepCursor,
  saveWatermark,
  writeIndexEntries,
  type IndexWatermark,
} from '../sql/message-index.ts';
import { toIndexEntry, type IndexableMessage } from './message-index-entry.ts';

export interface IndexPassOptions {
  /** Messages per transaction. */
  batchSize: number;
  /** Threads the rolling reconcile sweep checks per pass (edited and deleted messages). */
  sweepThreads: number;
  /** How far behind the watermark to look for messages committed late or rewritten soon after. */
  lookbackSeconds: number;
  log: Logger;
  signal?: AbortSignal;
  /** Stops after this many batches of new messages (an interrupted backfill, in tests). */
  maxBatches?: number;
  /** Told after every batch of new messages. */
  onProgress?(progress: IndexProgress): void;
}

export interface IndexProgress {
  /** Messages in the index after this batch (an estimate during a pass: counted at its start plus written since). */
  indexed: number;
  /** The app's messages when the pass started. */
  total: number;
  backfilling: boolean;
}

export interface IndexPassResult {
  /** New messages indexed from the watermark on. */
  indexed: number;
  /** Messages written again because the index lacked them behind the watermark or their parts changed. */
  reindexed: number;
  removedThreads: number;
  removedMessages: number;
  retitledThreads: number;
  batches: number;
  backfillCompleted: boolean;
  /** False when `maxBatches` stopped the pass before it caught up. */
  caughtUp: boolean;
  watermark: IndexWatermark | null;
  durationMs: number;
}

const PROGRESS_LOG_MS = 10_000;
/** Word pairs remembered per pass so repeated words are not sent again (about 100 MB at most). */
const KNOWN_WORDS_MAX = 1_000_000;

type System = <T>(work: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;

/**
 * One pass of the conversation index: drops threads the app deleted, indexes messages created since the watermark
 * in batches (each batch and the watermark commit together, so a pass interrupted at any point resumes where it
 * stopped and never indexes a message twice), catches late commits and rewrites just behind the watermark, and
 * checks the next slice of threads for edited or deleted messages. The first pass over a history is the backfill.
 */
export async function runIndexPass(db: Kysely<Database>, options: IndexPassOptions): Promise<IndexPassResult> {
  const started = performance.now();
  const system: System = (work) => actingAs(db, { system: true }, work);

  const { removed, retitledThreads } = await system(async (trx) => ({
    removed: await removeDeletedThreads(trx),
    retitledThreads: await refreshThreads(trx),
  }));
  const initial = await readStartingPoint(system, options.log);
  const fresh = await indexNewMessages(db, system, initial, options, started);
  const behind = fresh.caughtUp && fresh.watermark ? await reconcileBehind(system, fresh.watermark, options) : { reindexed: 0, removedMessages: 0 };

  const result: IndexPassResult = {
    indexed: fresh.indexed,
    reindexed: behind.reindexed,
    removedThreads: removed.threads,
    removedMessages: removed.messages + behind.removedMessages,
    retitledThreads,
    batches: fresh.batches,
    backfillCompleted: fresh.backfillCompleted,
    caughtUp: fresh.caughtUp,
    watermark: fresh.watermark,
    durationMs: Math.round(performance.now() - started),
  };
  await system((trx) => saveLastPass(trx, result));
  if (fresh.backfillCompleted) options.log.info({ indexed: initial.counts.messages + fresh.indexed, durationMs: result.durationMs }, 'search index backfill completed');
  return result;
}

interface StartingPoint {
  state: Awaited<ReturnType<typeof readIndexState>>;
  counts: { messages: number; sourceMessages: number; pending: number };
  backfilling: boolean;
}

/** The stored state at the start of the pass and, for a backfill (which reports progress), the counts. */
async function readStartingPoint(system: System, log: Logger): Promise<StartingPoint> {
  const initial = await system(async (trx) => {
    const state = await readIndexState(trx);
    // Counting a large history takes a moment: only a backfill reports progress.
    const counts = state.backfillCompletedAt === null ? await readIndexCounts(trx, state.watermark) : { messages: 0, sourceMessages: 0, pending: 0 };
    return { state, counts };
  });
  const backfilling = initial.state.backfillCompletedAt === null;
  if (backfilling && initial.counts.pending > 0) {
    log.info({ indexed: initial.counts.messages, total: initial.counts.sourceMessages, pending: initial.counts.pending }, 'search index backfill running');
  }
  return { ...initial, backfilling };
}

/** Indexes the messages created since the watermark, batch by batch, until none is left (or `maxBatches`). */
async function indexNewMessages(db: Kysely<Database>, system: System, initial: StartingPoint, options: IndexPassOptions, started: number) {
  let indexed = 0;
  let batches = 0;
  let caughtUp = false;
  let watermark = initial.state.watermark;
  let lastLog = performance.now();
  let backfillCompleted = false;
  const knownWords = new Set<string>();
  // The next batch is read and parsed while the current one is written: Node and PostgreSQL work at once.
  let next = prepareBatch(db, watermark, options.batchSize);
  for (;;) {
    options.signal?.throwIfAborted();
    if (options.maxBatches !== undefined && batches >= options.maxBatches) break;
    const batch = await next;
    const written = await system((trx) => writeBatch(trx, batch, options.batchSize, knownWords, (reached) => (next = prepareBatch(db, reached, options.batchSize))));
    watermark = written.watermark;
    backfillCompleted ||= written.backfillCompleted;
    if (written.count === 0) {
      caughtUp = true;
      break;
    }
    indexed += written.count;
    batches++;
    const progress = { indexed: initial.counts.messages + indexed, total: initial.counts.sourceMessages, backfilling: initial.backfilling };
    options.onProgress?.(progress);
    if (initial.backfilling && performance.now() - lastLog >= PROGRESS_LOG_MS) {
      lastLog = performance.now();
      options.log.info({ ...progress, batches, perSecond: Math.round(indexed / ((performance.now() - started) / 1000)) }, 'search index backfill progress');
    }
  }
  return { indexed, batches, caughtUp, watermark, backfillCompleted };
}

interface PreparedBatch {
  from: IndexWatermark | null;
  messages: IndexableMessage[];
  entries: ReturnType<typeof toIndexEntry>[];
}

/** Reads and parses the batch of messages after `from`. */
function prepareBatch(executor: Kysely<Database> | Transaction<Database>, from: IndexWatermark | null, batchSize: number): Promise<PreparedBatch> {
  const prepared = readMessagesAfter(executor, from, batchSize).then((messages) => ({ from, messages, entries: messages.map(toIndexEntry) }));
  prepared.catch(() => {});
  return prepared;
}

/**
 * Writes one batch and moves the watermark past it, in the caller's transaction; `prefetch` starts reading the
 * batch after it before this one is written. An empty batch marks the backfill completed.
 */
async function writeBatch(
  trx: Transaction<Database>,
  prepared: PreparedBatch,
  batchSize: number,
  knownWords: Set<string>,
  prefetch: (reached: IndexWatermark) => void,
): Promise<{ count: number; watermark: IndexWatermark | null; backfillCompleted: boolean }> {
  // Locked: a rebuild or a second pass waits for this batch, and every batch starts from the stored watermark.
  const state = await readIndexState(trx, { lock: true });
  const batch = sameWatermark(state.watermark, prepared.from) ? prepared : await prepareBatch(trx, state.watermark, batchSize);
  if (batch.messages.length === 0) {
    const completing = state.backfillCompletedAt === null;
    if (completing) await markBackfillCompleted(trx);
    return { count: 0, watermark: state.watermark, backfillCompleted: completing };
  }
  const last = batch.messages[batch.messages.length - 1]!;
  const reached = { at: last.createdAt, id: last.id };
  prefetch(reached);
  if (knownWords.size > KNOWN_WORDS_MAX) knownWords.clear();
  const count = await writeIndexEntries(trx, batch.entries, threadsOf(batch.messages), { mode: 'new', knownWords });
  await saveWatermark(trx, reached);
  return { count, watermark: reached, backfillCompleted: false };
}

/**
 * Behind the watermark: rewrites messages committed late or changed within the lookback, and checks the next slice
 * of threads for edited or deleted messages.
 */
async function reconcileBehind(system: System, watermark: IndexWatermark, options: IndexPassOptions): Promise<{ reindexed: number; removedMessages: number }> {
  const late = await system(async (trx) => {
    const since = lookbackStart(watermark.at, options.lookbackSeconds);
    return writeMessages(trx, await readMissedOrChangedSince(trx, since, watermark, options.batchSize));
  });
  const swept = await system(async (trx) => {
    const state = await readIndexState(trx, { lock: true });
    const slice = await readSweepSlice(trx, state.sweepAfter, options.sweepThreads, watermark);
    const removed = await removeIndexedMessages(trx, slice.threadIds, slice.goneMessageIds);
    const rewritten = await writeMessages(trx, slice.changed);
    // A short slice reached the last thread: the next pass starts the round again.
    await saveSweepCursor(trx, slice.threadIds.length < options.sweepThreads ? null : slice.threadIds[slice.threadIds.length - 1]!);
    return { removed, rewritten };
  });
  return { reindexed: late + swept.rewritten, removedMessages: swept.removed };
}

/** Messages the index may hold in an older version (behind the watermark). */
async function writeMessages(trx: Transaction<Database>, messages: readonly IndexableMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  return writeIndexEntries(trx, messages.map(toIndexEntry), threadsOf(messages), { mode: 'replace' });
}

function threadsOf(messages: readonly IndexableMessage[]): Map<string, { userId: string; title: string }> {
  const threads = new Map<string, { userId: string; title: string }>();
  for (const m of messages) threads.set(m.threadId, { userId: m.userId, title: m.threadTitle });
  return threads;
}

function sameWatermark(a: IndexWatermark | null, b: IndexWatermark | null): boolean {
  return a === b || (a !== null && b !== null && a.at === b.at && a.id === b.id);
}

/** The watermark's time minus the lookback, in PostgreSQL's timestamp text (UTC, no zone). */
function lookbackStart(watermarkAt: string, lookbackSeconds: number): string {
  const at = new Date(`${watermarkAt.replace(' ', 'T')}Z`);
  return new Date(at.getTime() - lookbackSeconds * 1000).toISOString().replace('T', ' ').replace('Z', '');
}
