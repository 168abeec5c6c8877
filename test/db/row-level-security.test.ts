import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actingAs } from '../../src/db/acting-user.ts';
import { connectAsHostApp } from '../support/host-app-role.ts';
import { useSuite } from '../support/suite.ts';
import { createTestDatabase } from '../support/test-database.ts';

const HOST_APP_ROLE = 'ca_test_host_app';

describe('row-level security on the archive tables', () => {
  const suite = useSuite(async (release) => {
    const db = release(await createTestDatabase());
    const hostApp = release(await connectAsHostApp(db, HOST_APP_ROLE));

    const users = await db.owner.selectFrom('chat_thread').select('user_id').distinct().orderBy('user_id').limit(2).execute();
    const alice = users[0]!.user_id;
    const bob = users[1]!.user_id;
    const aliceArchive = (await db.owner.insertInto('archive').values({ name: 'Alice', user_id: alice }).returning('id').executeTakeFirstOrThrow()).id;
    const bobArchive = (await db.owner.insertInto('archive').values({ name: 'Bob', user_id: bob }).returning('id').executeTakeFirstOrThrow()).id;
    return { db, hostApp, alice, bob, aliceArchive, bobArchive };
  });

  const archiveIds = (rows: Array<{ id: string }>) => rows.map((r) => r.id).sort();

  it('confines the service role to the user its transaction acts for', async () => {
    const seen = await actingAs(suite.db.service, { userId: suite.alice }, (trx) => trx.selectFrom('archive').select('id').execute());
    expect(archiveIds(seen)).toEqual([suite.aliceArchive]);
    const updated = await actingAs(suite.db.service, { userId: suite.alice }, (trx) =>
      trx.updateTable('archive').set({ mcp_metadata: JSON.stringify({ touched: true }) }).where('id', '=', suite.bobArchive).executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(0n);
  });

  it('refuses to write another user\'s rows', async () => {
    await expect(
      actingAs(suite.db.service, { userId: suite.alice }, (trx) => trx.insertInto('archive').values({ name: 'forged', user_id: suite.bob }).execute()),
    ).rejects.toThrow(/row-level security/);
  });

  it('shows the service role nothing when no user is declared, everything as system', async () => {
    expect(await suite.db.service.selectFrom('archive').select('id').execute()).toEqual([]);
    const all = await actingAs(suite.db.service, { system: true }, (trx) => trx.selectFrom('archive').select('id').execute());
    expect(archiveIds(all)).toEqual([suite.aliceArchive, suite.bobArchive].sort());
  });

  it('leaves the host app\'s own role unchanged', async () => {
    expect(archiveIds(await suite.hostApp.selectFrom('archive').select('id').execute())).toEqual([suite.aliceArchive, suite.bobArchive].sort());
    await suite.hostApp.updateTable('archive').set({ description: 'app edit' }).where('id', '=', suite.bobArchive).execute();
    const created = await suite.hostApp.insertInto('archive').values({ name: 'App', user_id: suite.alice }).returning('id').executeTakeFirstOrThrow();
    await suite.hostApp.deleteFrom('archive').where('id', '=', created.id).execute();
    expect(await suite.hostApp.selectFrom('archive').select('description').where('id', '=', suite.bobArchive).executeTakeFirst()).toEqual({ description: 'app edit' });
  });

  it('keeps everyone-scope pattern analyses to system, and a user\'s own analyses to that user', async () => {
    const range = { range_start: new Date('2026-01-01T00:00:00Z'), range_end: new Date('2026-01-02T00:00:00Z') };
    await sql`INSERT INTO mcp_archiver.pattern_analysis (job_id, scope, user_id, range_start, range_end, trigger, result)
              VALUES (gen_random_uuid(), 'all', NULL, ${range.range_start}, ${range.range_end}, 'schedule', '{}'),
                     (gen_random_uuid(), 'user', ${suite.alice}, ${range.range_start}, ${range.range_end}, 'tool', '{}')`.execute(suite.db.owner);
    const count = (rows: Array<{ n: number }>) => rows[0]?.n;
    const asAlice = await actingAs(suite.db.service, { userId: suite.alice }, (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM mcp_archiver.pattern_analysis`.execute(trx));
    const asBob = await actingAs(suite.db.service, { userId: suite.bob }, (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM mcp_archiver.pattern_analysis`.execute(trx));
    const asSystem = await actingAs(suite.db.service, { system: true }, (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM mcp_archiver.pattern_analysis`.execute(trx));
    expect([count(asAlice.rows), count(asBob.rows), count(asSystem.rows)]).toEqual([1, 0, 2]);
  });
});
