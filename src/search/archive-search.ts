import type { Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { setLocalStatementTimeout } from '../db/statement-timeout.ts';
import { hasTermsInBothLanguages, rankedSearchDocuments } from '../sql/search-documents.ts';

export interface ArchiveSearchOptions {
  /** Only this user's documents are searched. */
  userId: string;
  /** websearch syntax: words, "a phrase", -excluded, a OR b. */
  query: string;
  limit: number;
  /** Bounds every statement of the search (SET LOCAL statement_timeout). */
  timeoutMs: number;
}

export interface ArchiveSearchHit {
  archiveId: string;
  archiveName: string;
  archiveItemId: string;
  threadId: string;
  threadTitle: string;
  /** The best-matching passages of the archived text, matches between ** markers. */
  snippet: string;
  tokens: number | null;
  rank: number;
  createdAt: Date;
}

export type ArchiveSearchResult = { kind: 'hits'; hits: ArchiveSearchHit[] } | { kind: 'no-search-terms' };

/**
 * Full-text search over the user's archived items: GIN-indexed match, ts_rank_cd ranking (cover density, weights
 * A title/name > B description/summary > C text), and ts_headline snippets, computed for the returned rows only.
 */
export async function searchArchives(db: Kysely<Database>, options: ArchiveSearchOptions): Promise<ArchiveSearchResult> {
  return actingAs(db, { userId: options.userId }, async (trx) => {
    await setLocalStatementTimeout(trx, options.timeoutMs);
    // A query made only of one language's stop words ("the and of", "le de la") would match nearly every
    // document through the other language's configuration, which keeps them: it is refused instead.
    if (!(await hasTermsInBothLanguages(trx, options.query))) return { kind: 'no-search-terms' };
    const rows = await rankedSearchDocuments(trx, options);
    return {
      kind: 'hits',
      hits: rows.map((r) => ({
        archiveId: r.archive_id,
        archiveName: r.archive_name,
        archiveItemId: r.archive_item_id,
        threadId: r.thread_id,
        threadTitle: r.thread_title,
        snippet: r.snippet,
        tokens: r.tokens_count,
        rank: r.rank,
        createdAt: r.created_at,
      })),
    };
  });
}
