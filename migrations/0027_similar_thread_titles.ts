import { type Kysely } from 'kysely';
import { actingUserFunction } from './0019_search_match_functions.ts';

/**
 * The title lookup of search_conversations' typo fallback (pg_trgm `<%`) read all of the user's thread titles under
 * row-level security, for the reason 0019 gives for `@@`: `<%` is not leakproof, so the policy keeps it out of the
 * trigram index scan and only `user_id` narrowed it (10,000 titles per lookup in the benchmark). This function finds
 * the titles through `message_index_thread_title_idx` (GIN, user_id and title_key gin_trgm_ops, migration 0014) as
 * the table's owner, with the policy's rule applied inside, as 0019's functions do. `p_key` is the query's title key
 * (lower-case, unaccented); `p_candidates` keeps the best that many scores, ties at the last one included (NULL: all).
 * Sequential scans are off inside: the planner costs `<%` like an equality, but each evaluation is a word_similarity
 * (about 7 µs), and it chose to evaluate it on every user's titles (benchmark: 100,000 titles, 680 ms) over the
 * index (the user's 912 matches, 45 ms).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await actingUserFunction(db, {
    signature: 'similar_thread_titles(p_user uuid, p_key text, p_thread uuid, p_candidates integer)',
    argumentTypes: 'uuid, text, uuid, integer',
    returns: 'thread_id uuid, score real',
    query: `
      SELECT s.thread_id, s.score FROM (
        SELECT i.thread_id, mcp_archiver.word_similarity($2, i.title_key) AS score,
               rank() OVER (ORDER BY mcp_archiver.word_similarity($2, i.title_key) DESC) AS place
        FROM mcp_archiver.message_index_thread i
        WHERE i.user_id = $1 AND $2 OPERATOR(mcp_archiver.<%) i.title_key AND ($3::uuid IS NULL OR i.thread_id = $3)
      ) s
      WHERE $4::int IS NULL OR s.place <= $4`,
    using: 'p_user, p_key, p_thread, p_candidates',
    planSettings: 'enable_seqscan = off',
  });
}
