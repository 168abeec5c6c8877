import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUsers, writeArchive, type DemoUser } from '../support/mcp-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// search_archives reads the row of every matching document for its lead: the archived text lives out of line.
describe('search document rows', () => {
  let db: TestDatabase;
  let alice: DemoUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    [alice] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser];
  });
  afterAll(async () => db?.drop());

  it('keeps the lead in the row, uncompressed, and moves the archived text out of it', async () => {
    const toast = (
      await sql<{ toast: string }>`SELECT reltoastrelid::regclass::text AS toast FROM pg_class WHERE oid = 'mcp_archiver.search_document'::regclass`.execute(db.owner)
    ).rows[0]!.toast;
    // Out-of-line values, by the TOAST chunks that hold them.
    const outOfLine = async () =>
      (await sql<{ values: number }>`SELECT count(DISTINCT chunk_id)::int AS values FROM ${sql.table(toast)}`.execute(db.owner)).rows[0]!.values;
    const before = await outOfLine();
    // Varied words (a fixed pseudo-random sequence): about 1.2 KB of text that pglz leaves as it is: a row of about 1.8 KB.
    let seed = 7;
    const letter = () => String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26));
    const words = Array.from({ length: 200 }, () => Array.from({ length: 5 }, letter).join(''));
    const archive = await writeArchive(db, {
      userId: alice.id,
      threadId: alice.threadIds[0]!,
      name: 'Pool sizing notes',
      summary: 'How the connection pool was sized for the reporting service, and which idle timeout it kept.',
      body: `The pool was sized for idle connections. ${words.join(' ')}`,
    });
    const { rows } = await sql<{ lead: string | null }>`
      SELECT pg_column_compression(lead) AS lead FROM mcp_archiver.search_document WHERE archive_item_id = ${archive.itemId}`.execute(db.owner);
    expect(rows[0]!.lead).toBeNull();
    // The document and the text; the lead stayed in the row.
    expect((await outOfLine()) - before).toBe(2);
  });
});
