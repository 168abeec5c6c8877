import { sql } from 'kysely';
import { actingAs } from '../../src/db/acting-user.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capBody, SEARCH_BODY_MAX_CHARS, upsertSearchDocument } from '../../src/sql/search-documents.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('search documents', () => {
  let db: TestDatabase;
  let itemId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const thread = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).executeTakeFirstOrThrow();
    const archive = await db.owner.insertInto('archive').values({ name: 'Voyages', user_id: thread.user_id }).returning('id').executeTakeFirstOrThrow();
    const item = await db.owner
      .insertInto('archive_item')
      .values({ archive_id: archive.id, item_id: thread.id, user_id: thread.user_id })
      .returning('id')
      .executeTakeFirstOrThrow();
    itemId = item.id;
    await actingAs(db.service, { userId: thread.user_id }, (trx) => upsertSearchDocument(trx, {
      archiveItemId: item.id,
      archiveId: archive.id,
      userId: thread.user_id,
      threadId: thread.id,
      threadTitle: 'Voyage à Lisbonne',
      archiveName: 'Voyages',
      archiveDescription: null,
      summary: 'Un hôtel près de la place du Commerce.',
      body: 'Les connexions du pool sont saturées. The export workers keep idle connections.',
      language: 'french',
      tokensCount: 42,
    }));
  });
  afterAll(async () => db.drop());

  const search = async (q: string) =>
    (
      await sql<{ id: string }>`
        SELECT archive_item_id AS id FROM mcp_archiver.search_document
        WHERE document @@ (websearch_to_tsquery('mcp_archiver.english_unaccent', ${q}) || websearch_to_tsquery('mcp_archiver.french_unaccent', ${q}))`.execute(db.owner)
    ).rows.map((r) => r.id);

  it('finds documents accent-insensitively, in English and French, through stemming', async () => {
    expect(await search('hotel')).toEqual([itemId]);
    expect(await search('LISBONNE voyage')).toEqual([itemId]);
    expect(await search('connexion')).toEqual([itemId]);
    expect(await search('connection')).toEqual([itemId]);
    expect(await search('"idle connections"')).toEqual([itemId]);
    expect(await search('kubernetes')).toEqual([]);
  });

  it('replaces the document when the item is archived again', async () => {
    const row = await sql<Record<string, string>>`SELECT * FROM mcp_archiver.search_document`.execute(db.owner);
    const doc = row.rows[0]!;
    await actingAs(db.service, { userId: doc.user_id! }, (trx) => upsertSearchDocument(trx, {
      archiveItemId: itemId,
      archiveId: doc.archive_id!,
      userId: doc.user_id!,
      threadId: doc.thread_id!,
      threadTitle: 'Tarte Tatin',
      archiveName: 'Voyages',
      archiveDescription: null,
      summary: 'caramel',
      body: 'pommes',
      language: 'french',
      tokensCount: 3,
    }));
    const after = await sql<{ n: number; title: string }>`SELECT count(*)::int AS n, max(thread_title) AS title FROM mcp_archiver.search_document`.execute(db.owner);
    expect(after.rows[0]).toEqual({ n: 1, title: 'Tarte Tatin' });
    expect(await search('lisbonne')).toEqual([]);
    expect(await search('tatin')).toEqual([itemId]);
  });

  it('caps very long bodies, keeping both ends', () => {
    const long = `start ${'x'.repeat(SEARCH_BODY_MAX_CHARS)} end`;
    const capped = capBody(long);
    expect(capped.length).toBeLessThanOrEqual(SEARCH_BODY_MAX_CHARS + 3);
    expect(capped.startsWith('start')).toBe(true);
    expect(capped.endsWith('end')).toBe(true);
  });
});
