import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchArchives } from '../../src/search/archive-search.ts';
import { demoUsers, writeArchive, type DemoUser } from '../support/mcp-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// searchArchives ranks through mcp_archiver.matching_search_documents and checks the archives of the best
// 3 × limit candidates only: these cases pin that the hits stay those of full ranking.
describe('search_archives ranking through the candidate list', () => {
  let db: TestDatabase;
  let alice: DemoUser;
  let bob: DemoUser;
  const items: string[] = [];

  const search = async (userId: string, query: string, limit: number) => {
    const result = await searchArchives(db.service, { userId, query, limit, timeoutMs: 5000 });
    if (result.kind !== 'hits') throw new Error(`no search terms in ${query}`);
    return result.hits.map((h) => h.archiveItemId);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    [alice, bob] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser, DemoUser];
    // Item i mentions "heron" i + 1 times: full ranking orders them 5, 4, 3, 2, 1, 0.
    for (let i = 0; i < 6; i++) {
      const body = `${Array.from({ length: i + 1 }, () => 'A heron waits by the pond.').join(' ')} Rowing notes ${i}.`;
      const archive = await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[i % alice.threadIds.length]!, name: `Notes ${i}`, summary: 'Birds.', body });
      items.push(archive.itemId);
    }
    await writeArchive(db, { userId: bob.id, threadId: bob.threadIds[0]!, name: 'Bob', summary: 'Birds.', body: 'heron heron heron heron heron heron heron heron heron' });
  });
  afterAll(async () => db?.drop());

  it('returns the exact best hits of full ranking, and the single hit of a selective query', async () => {
    expect(await search(alice.id, 'heron', 2)).toEqual([items[5], items[4]]);
    expect(await search(alice.id, 'heron', 10)).toEqual([...items].reverse());
    expect(await search(alice.id, 'rowing 3', 1)).toEqual([items[3]]);
  });

  it('reaches past candidates whose archive is no longer the user\'s, and never returns them', async () => {
    // The best three candidates of a limit-1 search (3 × 1) lose their archive: the search runs over every match.
    await db.owner.updateTable('archive').set({ user_id: bob.id }).where('id', 'in',
      db.owner.selectFrom('archive_item').select('archive_id').where('id', 'in', [items[5]!, items[4]!, items[3]!])).execute();
    expect(await search(alice.id, 'heron', 1)).toEqual([items[2]]);
    expect(await search(alice.id, 'heron', 10)).toEqual([items[2], items[1], items[0]]);
  });

  it('never returns another user\'s document, however well it ranks', async () => {
    const bobs = await search(bob.id, 'heron', 10);
    expect(bobs).toHaveLength(1);
    expect(items).not.toContain(bobs[0]);
  });
});
