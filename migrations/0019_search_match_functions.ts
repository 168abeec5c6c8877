import { sql, type Kysely } from 'kysely';

/**
 * Row-level security keeps the full-text indexes from serving the service role: `@@` is not leakproof, so under a
 * policy PostgreSQL may not evaluate it inside an index scan, and every search read and matched all of the user's
 * rows (measured: all 10,000 search documents, all 100,000 messages of a user, for every query). These functions
 * find and rank the matches through the GIN indexes as the tables' owner, and apply the service policy's own rule
 * themselves: only the rows of the user the transaction acts for (`mcp_archiver.acting_user`), or of any user when
 * it acts as `system`. They return keys and ranks only; the rows themselves are read back under the policies.
 * Each query runs as a one-shot plan (EXECUTE … USING), planned with the actual query and filters.
 * EXECUTE is granted to the service role alone, by `migrate` (src/db/service-role.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await actingUserFunction(db, {
    ...SEARCH_DOCUMENTS_FUNCTION,
    query: `
      SELECT d.archive_item_id, ts_rank_cd(d.document, $2) AS rank
      FROM mcp_archiver.search_document d
      WHERE d.user_id = $1 AND d.document @@ $2
      ORDER BY rank DESC, d.created_at DESC, d.archive_item_id
      LIMIT $3`,
  });
  await actingUserFunction(db, {
    signature:
      'matching_message_threads(p_user uuid, p_query tsquery, p_role text, p_after timestamp, p_before timestamp, p_thread uuid, p_candidates integer)',
    argumentTypes: 'uuid, tsquery, text, timestamp, timestamp, uuid, integer',
    returns: 'thread_id uuid, rank real, matches integer, last_match_at timestamp',
    query: `
      SELECT i.thread_id, max(ts_rank_cd(i.document, $2)) AS rank, count(*)::int AS matches, max(i.created_at) AS last_match_at
      FROM mcp_archiver.message_index i
      WHERE i.user_id = $1 AND i.document @@ $2
        AND ($3::text IS NULL OR i.role = $3) AND ($4::timestamp IS NULL OR i.created_at >= $4)
        AND ($5::timestamp IS NULL OR i.created_at < $5) AND ($6::uuid IS NULL OR i.thread_id = $6)
      GROUP BY i.thread_id
      ORDER BY rank DESC, last_match_at DESC, i.thread_id
      LIMIT $7`,
    using: 'p_user, p_query, p_role, p_after, p_before, p_thread, p_candidates',
  });
}

/** The interface of mcp_archiver.matching_search_documents (its query changes in 0020). */
export const SEARCH_DOCUMENTS_FUNCTION = {
  signature: 'matching_search_documents(p_user uuid, p_query tsquery, p_candidates integer)',
  argumentTypes: 'uuid, tsquery, integer',
  returns: 'archive_item_id uuid, rank real',
  using: 'p_user, p_query, p_candidates',
};

/** A SECURITY DEFINER function of mcp_archiver running `query` for `p_user` only, when the transaction acts for them. */
export async function actingUserFunction(
  db: Kysely<unknown>,
  fn: { signature: string; argumentTypes: string; returns: string; query: string; using: string; planSettings?: string },
): Promise<void> {
  const name = fn.signature.slice(0, fn.signature.indexOf('('));
  await sql
    .raw(`
    CREATE OR REPLACE FUNCTION mcp_archiver.${fn.signature}
    RETURNS TABLE (${fn.returns})
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp${fn.planSettings ? ` SET ${fn.planSettings}` : ''}
    AS $fn$
    BEGIN
      IF coalesce(current_setting('mcp_archiver.acting_user', true), '') NOT IN ('system', p_user::text) THEN
        RETURN;
      END IF;
      RETURN QUERY EXECUTE $query$${fn.query}$query$
      USING ${fn.using};
    END
    $fn$;
    REVOKE ALL ON FUNCTION mcp_archiver.${name}(${fn.argumentTypes}) FROM PUBLIC;`)
    .execute(db);
}
