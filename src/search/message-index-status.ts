import type { Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { readIndexCounts, readIndexState, resetIndex, type IndexCounts, type IndexWatermark } from '../sql/message-index.ts';

export interface MessageIndexStatus extends IndexCounts {
  watermark: IndexWatermark | null;
  backfill: 'not started' | 'running' | 'completed';
  backfillStartedAt: Date | null;
  backfillCompletedAt: Date | null;
  lastPassAt: Date | null;
  lastPass: unknown;
}

/** Where the conversation index stands: counts, watermark, backfill, the last pass. */
export async function readMessageIndexStatus(db: Kysely<Database>): Promise<MessageIndexStatus> {
  return actingAs(db, { system: true }, async (trx) => {
    const state = await readIndexState(trx);
    const counts = await readIndexCounts(trx, state.watermark);
    return {
      ...counts,
      watermark: state.watermark,
      backfill: state.backfillCompletedAt ? 'completed' : state.backfillStartedAt ? 'running' : 'not started',
      backfillStartedAt: state.backfillStartedAt,
      backfillCompletedAt: state.backfillCompletedAt,
      lastPassAt: state.lastPassAt,
      lastPass: state.lastPass,
    };
  });
}

/**
 * Empties the index and its watermark. A pass running meanwhile finishes its batch first (the state row lock), then
 * starts over from the beginning.
 */
export async function emptyMessageIndex(db: Kysely<Database>): Promise<void> {
  await actingAs(db, { system: true }, async (trx) => {
    await readIndexState(trx, { lock: true });
    await resetIndex(trx);
  });
}
