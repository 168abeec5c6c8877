import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { demoUsers } from '../support/mcp-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('the service role on the token and audit tables', () => {
  let db: TestDatabase;
  let tokenId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const [user] = await demoUsers(db);
    tokenId = (await issueAccessToken(db.owner, { userId: user!.id, name: 't', admin: false, expiresAt: null })).info.id;
  });
  afterAll(async () => db.drop());

  it('appends to the audit log but can neither read, change nor delete it', async () => {
    await sql`INSERT INTO mcp_archiver.audit_log (operation, outcome) VALUES ('probe', 'ok')`.execute(db.service);
    await expect(sql`SELECT * FROM mcp_archiver.audit_log`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`UPDATE mcp_archiver.audit_log SET outcome = 'error'`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM mcp_archiver.audit_log`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`TRUNCATE mcp_archiver.audit_log`.execute(db.service)).rejects.toThrow(/permission denied/);
  });

  it('reads tokens and notes their last use, but cannot issue, elevate, un-revoke or delete them', async () => {
    await sql`UPDATE mcp_archiver.access_token SET last_used_at = now() WHERE id = ${tokenId}`.execute(db.service);
    for (const change of [sql`UPDATE mcp_archiver.access_token SET admin = true`, sql`UPDATE mcp_archiver.access_token SET revoked_at = NULL`,
      sql`UPDATE mcp_archiver.access_token SET expires_at = NULL`, sql`DELETE FROM mcp_archiver.access_token`,
      sql`INSERT INTO mcp_archiver.access_token (user_id, token_hash) SELECT user_id, token_hash FROM mcp_archiver.access_token`]) {
      await expect(change.execute(db.service)).rejects.toThrow(/permission denied/);
    }
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM mcp_archiver.access_token`.execute(db.service);
    expect(rows[0]?.n).toBe(1);
  });
});
