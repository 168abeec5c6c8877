import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccessToken, hashToken } from '../../src/mcp/access-tokens.ts';
import { demoUsers } from '../support/mcp-fixtures.ts';
import { runCli } from '../support/run-cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('chat-archiver token create|list|revoke', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let userId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.ownerUrl, MCP_DB_USER: 'ca_test_service', MCP_DB_PASSWORD: 'test-service-password-0123', LOG_LEVEL: 'silent' };
    userId = (await demoUsers(db))[1]!.id;
  });
  afterAll(async () => db.drop());

  it('creates a token, prints it once, and stores only its hash', async () => {
    const created = await runCli(['token', 'create', '--user', userId, '--name', 'laptop', '--expires-in', '30d'], env);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^cat_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only once/);

    const rows = await db.owner.selectFrom('mcp_archiver.access_token').selectAll().where('user_id', '=', userId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash.equals(hashToken(token))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
    expect(rows[0]!.expires_at!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const check = await checkAccessToken(db.service, token);
    expect(check).toMatchObject({ ok: true, userId, admin: false });
  });

  it('lists tokens without their secret, and revokes one', async () => {
    const created = await runCli(['token', 'create', '--user', userId, '--admin', '--json'], env);
    const { id, token, admin } = JSON.parse(created.stdout) as { id: string; token: string; admin: boolean };
    expect(admin).toBe(true);

    const listed = await runCli(['token', 'list', '--user', userId, '--json'], env);
    const tokens = JSON.parse(listed.stdout) as Array<{ id: string; status: string; admin: boolean }>;
    expect(tokens.map((t) => t.status)).toEqual(['active', 'active']);
    expect(listed.stdout).not.toContain(token);

    const revoked = await runCli(['token', 'revoke', id], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${id}`);
    expect(await checkAccessToken(db.service, token)).toEqual({ ok: false, reason: 'token revoked' });
    const text = await runCli(['token', 'list'], env);
    expect(text.stdout).toMatch(new RegExp(`^${id}  user=${userId}  revoked  admin`, 'm'));

    const audit = await db.owner.selectFrom('mcp_archiver.audit_log').select('operation').where('token_id', '=', id).orderBy('id').execute();
    expect(audit.map((a) => a.operation)).toEqual(['token.create', 'token.revoke']);
  });

  it('refuses unknown users, bad options and unknown token ids with clear messages', async () => {
    const unknownUser = await runCli(['token', 'create', '--user', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toMatch(/no user with id/);
    expect((await runCli(['token', 'create', '--user', 'bob'], env)).stderr).toMatch(/--user expects an id \(uuid\)/);
    const badExpiry = await runCli(['token', 'create', '--user', userId, '--expires-in', 'soon'], env);
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toMatch(/--expires-in expects a duration/);
    expect((await runCli(['token', 'create'], env)).stderr).toMatch(/needs --user/);
    const missing = await runCli(['token', 'revoke', '00000000-0000-4000-8000-000000000000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no token with id/);
    expect((await runCli(['token', 'rotate'], env)).code).toBe(2);
    const malformed = await runCli(['token', 'revoke', 'abc'], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/"abc" is not a token id \(a uuid/);
  });
});
